package signature

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Paddle Billing: "Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]", hex
// HMAC-SHA256 over "<ts>:<body>" keyed by the whole secret text (including
// its pdl_ntfset_ prefix). Paddle's SDKs allow 5 seconds of drift.
const paddleHeader = "Paddle-Signature"

func paddleSpec() spec {
	return spec{
		name:   "paddle",
		verify: verifyPaddle,
		sign:   signPaddle,
		detect: func(h http.Header) bool { return hasHeader(h, paddleHeader) },
	}
}

// parsePaddle returns the ts and every h1 value (several during a secret
// rotation; junk entries are simply not matched).
func parsePaddle(v string) (ts string, sigs []string, err error) {
	for _, item := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "ts":
			ts = strings.TrimSpace(val)
		case "h1":
			sigs = append(sigs, strings.TrimSpace(val))
		}
	}
	switch {
	case ts == "":
		return "", nil, errors.New("has no ts= timestamp")
	case len(sigs) == 0:
		return "", nil, errors.New("has no h1= signature")
	}
	return ts, sigs, nil
}

func verifyPaddle(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	raw := header(req.Header, paddleHeader)
	if raw == "" {
		return invalid("missing %s header", paddleHeader)
	}
	tsText, sigs, err := parsePaddle(raw)
	if err != nil {
		return invalid("%s header %v", paddleHeader, err)
	}
	ts, err := unixSeconds(tsText)
	if err != nil {
		return invalid("%s header: %v", paddleHeader, err)
	}
	payload := cat(tsText, ":", string(req.Body))
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, sigs, hexEnc)
	return check{payload: payload, expected: "h1=" + hexEnc.encode(mac), received: "h1=" + strings.Join(sigs, ";h1="),
		matched: ok, diag: diag, ts: &ts, tol: 5 * time.Second}.result(opt)
}

func signPaddle(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	ts := strconv.FormatInt(now(opt).Unix(), 10)
	mac := hmacSum(sha256.New, textKey(opt), cat(ts, ":", string(req.Body)))
	h := http.Header{}
	h.Set(paddleHeader, "ts="+ts+";h1="+hexEnc.encode(mac))
	return h, nil
}

// Twitch EventSub: "sha256=<hex>" HMAC-SHA256 over message ID + timestamp
// (RFC 3339, exactly as sent) + body; Twitch says to reject messages older
// than 10 minutes.
const (
	twitchID  = "Twitch-Eventsub-Message-Id"
	twitchTS  = "Twitch-Eventsub-Message-Timestamp"
	twitchSig = "Twitch-Eventsub-Message-Signature"
)

func twitchSpec() spec {
	return spec{
		name:   "twitch",
		verify: verifyTwitch,
		sign:   signTwitch,
		detect: func(h http.Header) bool { return hasHeader(h, twitchSig) },
	}
}

func verifyTwitch(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	id, tsText, raw := header(req.Header, twitchID), header(req.Header, twitchTS), header(req.Header, twitchSig)
	for _, f := range [][2]string{{twitchSig, raw}, {twitchID, id}, {twitchTS, tsText}} {
		if f[1] == "" {
			return invalid("missing %s header", f[0])
		}
	}
	sig, ok := cutPrefixFold(raw, "sha256=")
	if !ok {
		return invalid("%s value does not start with \"sha256=\"", twitchSig)
	}
	ts, err := rfc3339(tsText)
	if err != nil {
		return invalid("%s: %v", twitchTS, err)
	}
	payload := cat(id, tsText, string(req.Body))
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, []string{sig}, hexEnc)
	return check{payload: payload, expected: "sha256=" + hexEnc.encode(mac), received: raw,
		matched: ok, diag: diag, ts: &ts, tol: 10 * time.Minute}.result(opt)
}

func signTwitch(req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	id := header(req.Header, twitchID)
	if id == "" {
		id = newID("")
	}
	ts := now(opt).UTC().Format(time.RFC3339Nano)
	mac := hmacSum(sha256.New, textKey(opt), cat(id, ts, string(req.Body)))
	h := http.Header{}
	h.Set(twitchID, id)
	h.Set(twitchTS, ts)
	h.Set(twitchSig, "sha256="+hexEnc.encode(mac))
	return h, nil
}
