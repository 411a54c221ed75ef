package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"testing"
)

// TestTwilioRepeatedKeys: a form with a key repeated (and a value repeated
// under it) verifies whichever canonical form the sender used: values
// sorted (twilio-java, hand-written signers), or sorted once each
// (twilio-python's sorted(set(values)), twilio-node, twilio-php).
func TestTwilioRepeatedKeys(t *testing.T) {
	const (
		u     = "https://example.com/sms"
		token = "tok"
		body  = "To=%2B1&Media=b&Media=a&Media=b"
	)
	sign := func(text string) string {
		m := hmac.New(sha1.New, []byte(token))
		m.Write([]byte(text))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	for name, signed := range map[string]string{
		"sorted":               u + "MediaaMediabMediab" + "To+1",
		"sorted, deduplicated": u + "MediaaMediab" + "To+1",
	} {
		t.Run(name, func(t *testing.T) {
			req := Request{Method: "POST", URL: u, Body: []byte(body), Header: http.Header{
				"Content-Type":       {"application/x-www-form-urlencoded"},
				"X-Twilio-Signature": {sign(signed)},
			}}
			r, err := Verify("twilio", req, Options{Secret: token})
			if err != nil || !r.Valid || r.SignedPayload != signed {
				t.Fatalf("valid=%v reason=%q payload=%q (want %q), err %v", r.Valid, r.Reason, r.SignedPayload, signed, err)
			}
			if r, _ := Verify("twilio", req, Options{Secret: "other"}); r.Valid {
				t.Fatal("verified with another token")
			}
		})
	}
}
