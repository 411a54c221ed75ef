package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
)

// Mailgun puts its signature in the body, not a header: a JSON
// {"signature": {"timestamp", "token", "signature"}} object (current
// webhooks) or form fields of the same names (legacy ones). The signature is
// hex HMAC-SHA256 over timestamp+token; the event data itself is not signed,
// so body mistakes are not diagnosed. Mailgun only advises checking the
// timestamp is recent, so no window is applied by default.

func mailgunSpec() spec {
	return spec{name: "mailgun", verify: verifyMailgun, noBody: true}
}

type mailgunFields struct {
	Timestamp, Token, Signature string
}

func verifyMailgun(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	f, err := parseMailgun(req)
	if err != nil {
		return invalid("%v", err)
	}
	ts, err := unixSeconds(f.Timestamp)
	if err != nil {
		return invalid("mailgun signature: %v", err)
	}
	payload := cat(f.Timestamp, f.Token)
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, []string{f.Signature}, hexEnc)
	return check{payload: payload, expected: hexEnc.encode(mac), received: f.Signature,
		matched: ok, diag: diag, ts: &ts,
		mismatch: "signature does not match timestamp+token: wrong webhook signing key, or the fields were changed"}.result(opt)
}

var errNoMailgun = errors.New("no Mailgun signature in the body (expected a JSON \"signature\" object or timestamp/token/signature form fields)")

// parseMailgun finds the three fields in a JSON, urlencoded or multipart body.
func parseMailgun(req Request) (mailgunFields, error) {
	var f mailgunFields
	body := bytes.TrimSpace(req.Body)
	if len(body) > 0 && body[0] == '{' {
		var v struct {
			Signature struct {
				Timestamp, Token, Signature json.RawMessage
			} `json:"signature"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return f, fmt.Errorf("body is not valid JSON: %v", err)
		}
		f = mailgunFields{jsonText(v.Signature.Timestamp), jsonText(v.Signature.Token), jsonText(v.Signature.Signature)}
	} else {
		vals := formValues(req)
		f = mailgunFields{vals.Get("timestamp"), vals.Get("token"), vals.Get("signature")}
	}
	if f.Timestamp == "" || f.Token == "" || f.Signature == "" {
		return f, errNoMailgun
	}
	return f, nil
}

// jsonText reads a JSON string or number as text (timestamps come as both).
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// formValues parses urlencoded or multipart form bodies.
func formValues(req Request) url.Values {
	mt, params, _ := mime.ParseMediaType(header(req.Header, "Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		form, err := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			return url.Values{}
		}
		defer form.RemoveAll()
		return url.Values(form.Value)
	}
	vals, _ := url.ParseQuery(string(req.Body))
	return vals
}

// SignMailgun returns the signature Mailgun would put next to timestamp and
// token. Sign cannot do this for Mailgun because the fields live in the body.
func SignMailgun(secret, timestamp, token string) string {
	return hexEnc.encode(hmacSum(sha256.New, []byte(secret), cat(timestamp, token)))
}
