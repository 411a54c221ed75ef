package signature

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Slack (and Zoom, which copied it): "v0=<hex>" HMAC-SHA256 over
// "v0:<timestamp>:<body>", the timestamp in its own header.
type v0MAC struct {
	sigHeader, tsHeader string
	tol                 time.Duration
}

func slackSpec() spec {
	return v0MAC{"X-Slack-Signature", "X-Slack-Request-Timestamp", 5 * time.Minute}.spec("slack")
}

// Zoom documents no window; its sample code uses none, so only the age is
// reported unless Options.Tolerance asks for a check.
func zoomSpec() spec {
	return v0MAC{"X-Zm-Signature", "X-Zm-Request-Timestamp", 0}.spec("zoom")
}

func (v v0MAC) spec(name string) spec {
	return spec{
		name:   name,
		verify: v.verify,
		sign:   v.sign,
		detect: func(h http.Header) bool { return hasHeader(h, v.sigHeader) },
	}
}

func (v v0MAC) verify(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	raw := header(req.Header, v.sigHeader)
	tsText := header(req.Header, v.tsHeader)
	switch {
	case raw == "":
		return invalid("missing %s header", v.sigHeader)
	case tsText == "":
		return invalid("missing %s header", v.tsHeader)
	case !strings.HasPrefix(raw, "v0="):
		return invalid("%s value does not start with \"v0=\"", v.sigHeader)
	}
	ts, err := unixSeconds(tsText)
	if err != nil {
		return invalid("%s: %v", v.tsHeader, err)
	}
	payload := cat("v0:", tsText, ":", string(req.Body))
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, []string{raw[3:]}, hexEnc)
	return check{payload: payload, expected: "v0=" + hexEnc.encode(mac), received: raw,
		matched: ok, diag: diag, ts: &ts, tol: v.tol}.result(opt)
}

func (v v0MAC) sign(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	mac := hmacSum(sha256.New, textKey(opt), cat("v0:", ts, ":", string(req.Body)))
	h := http.Header{}
	h.Set(v.tsHeader, ts)
	h.Set(v.sigHeader, "v0="+hexEnc.encode(mac))
	return h, nil
}
