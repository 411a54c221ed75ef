package signature

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Schemes that sign the public URL along with the body: Square and HubSpot.
// Behind a tunnel the captured URL differs from the signed one, so these
// need Options.URL; the diagnosis says so when it is missing.

// Square: base64 HMAC-SHA256 over "<notification URL><body>"; the legacy
// X-Square-Signature header carries HMAC-SHA1 of the same text.
var (
	square256 = urlBodyMAC{header: "X-Square-Hmacsha256-Signature", hash: sha256.New}
	square1   = urlBodyMAC{header: "X-Square-Signature", hash: sha1.New}
)

type urlBodyMAC struct {
	header string
	hash   func() hash.Hash
}

func squareSpec() spec {
	return spec{
		name: "square",
		verify: func(req Request, opt Options) Result {
			if header(req.Header, square256.header) == "" && header(req.Header, square1.header) != "" {
				return square1.verify(req, opt)
			}
			return square256.verify(req, opt)
		},
		sign: func(req Request, opt Options) (http.Header, error) {
			if _, bad := needSecret(opt); bad {
				return nil, errNoSecret
			}
			h := http.Header{}
			for _, m := range []urlBodyMAC{square256, square1} {
				h.Set(m.header, b64Enc.encode(m.mac(req, opt)))
			}
			return h, nil
		},
		detect: func(h http.Header) bool { return hasHeader(h, square256.header, square1.header) },
	}
}

func (m urlBodyMAC) mac(req Request, opt Options) []byte {
	return hmacSum(m.hash, textKey(opt), []byte(publicURL(req, opt)), req.Body)
}

func (m urlBodyMAC) verify(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	sig := header(req.Header, m.header)
	if sig == "" {
		return invalid("missing %s header", m.header)
	}
	u := publicURL(req, opt)
	if u == "" {
		return misconfigured("no URL to verify against: set Options.URL to the notification URL configured at Square")
	}
	mac := m.mac(req, opt)
	ok, diag := matchAny(mac, []string{sig}, b64Enc)
	return check{payload: cat(u, string(req.Body)), expected: b64Enc.encode(mac), received: sig,
		matched: ok, diag: diag, url: u}.result(opt)
}

// HubSpot has three versions. v1: hex SHA-256 (a plain hash, not an HMAC)
// of secret+body; v2: hex SHA-256 of secret+method+URL+body; v3: base64
// HMAC-SHA256 of method+URL+body+timestamp, the timestamp in milliseconds,
// rejected after 5 minutes. v1 and v2 hash the secret itself, so their
// SignedPayload shows a {client_secret} placeholder in its place.
const (
	hsSig     = "X-HubSpot-Signature"
	hsVersion = "X-HubSpot-Signature-Version"
	hsSigV3   = "X-HubSpot-Signature-v3"
	hsTS      = "X-HubSpot-Request-Timestamp"
)

// hubspotSpec signs with the given version; "" means the version the
// request already carries (re-signing a capture), else v3, the current one.
func hubspotSpec(signVersion string) spec {
	return spec{
		name:   "hubspot",
		verify: verifyHubSpot,
		sign:   func(req Request, opt Options) (http.Header, error) { return signHubSpot(signVersion, req, opt) },
		detect: func(h http.Header) bool { return hasHeader(h, hsSigV3, hsSig) },
	}
}

func method(req Request) string {
	if req.Method == "" {
		return http.MethodPost
	}
	return strings.ToUpper(req.Method)
}

func verifyHubSpot(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	if header(req.Header, hsSigV3) != "" {
		return verifyHubSpotV3(req, opt)
	}
	sig := header(req.Header, hsSig)
	if sig == "" {
		return invalid("missing %s (or %s) header", hsSigV3, hsSig)
	}
	versions := []string{strings.ToLower(header(req.Header, hsVersion))}
	switch versions[0] {
	case "":
		versions = []string{"v1", "v2"} // unlabelled: accept either
	case "v1", "v2":
	default:
		return invalid("%s %q is not v1 or v2", hsVersion, clip(versions[0]))
	}
	var c check
	for i, v := range versions {
		shown, sum, u := hubspotHash(v, req, opt)
		ok, diag := matchAny(sum, []string{sig}, hexEnc)
		if i == 0 || ok {
			c = check{payload: []byte(shown), shown: shown, expected: hexEnc.encode(sum), received: sig, matched: ok, diag: diag, url: u}
		}
		if ok {
			break
		}
	}
	return c.result(opt)
}

// hubspotHash computes a v1/v2 hash; shown is the hashed text with the
// secret replaced by a placeholder, u the URL it covers (v2).
func hubspotHash(version string, req Request, opt Options) (shown string, sum []byte, u string) {
	rest := string(req.Body)
	if version == "v2" {
		u = publicURL(req, opt)
		rest = method(req) + u + rest
	}
	h := sha256.New()
	h.Write(textKey(opt))
	h.Write([]byte(rest))
	return "{client_secret}" + rest, h.Sum(nil), u
}

func verifyHubSpotV3(req Request, opt Options) Result {
	sig := header(req.Header, hsSigV3)
	tsText := header(req.Header, hsTS)
	if tsText == "" {
		return invalid("missing %s header", hsTS)
	}
	ts, err := unixMillis(tsText)
	if err != nil {
		return invalid("%s: %v", hsTS, err)
	}
	u := publicURL(req, opt)
	if u == "" {
		return misconfigured("no URL to verify against: set Options.URL to the webhook URL configured at HubSpot")
	}
	payload := hubspotV3Payload(req, u, tsText)
	mac := hmacSum(sha256.New, textKey(opt), payload)
	ok, diag := matchAny(mac, []string{sig}, b64Enc)
	return check{payload: payload, expected: b64Enc.encode(mac), received: sig, matched: ok, diag: diag,
		ts: &ts, tol: 5 * time.Minute, url: u}.result(opt)
}

// hubspotV3Payload decodes the escapes HubSpot's docs list before signing.
func hubspotV3Payload(req Request, u, ts string) []byte {
	dec := strings.NewReplacer(
		"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
		"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
		"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
	)
	return cat(method(req), dec.Replace(u), string(req.Body), ts)
}

func signHubSpot(version string, req Request, opt Options) (http.Header, error) {
	if _, bad := needSecret(opt); bad {
		return nil, errNoSecret
	}
	if version == "" {
		version = "v3"
		if header(req.Header, hsSigV3) == "" && header(req.Header, hsSig) != "" {
			version = strings.ToLower(header(req.Header, hsVersion))
		}
	}
	h := http.Header{}
	switch version {
	case "v1", "v2":
		_, sum, _ := hubspotHash(version, req, opt)
		h.Set(hsSig, hexEnc.encode(sum))
		h.Set(hsVersion, version)
	default:
		u := publicURL(req, opt)
		if u == "" {
			return nil, fmt.Errorf("hubspot: no URL to sign: set Options.URL")
		}
		ts := strconv.FormatInt(now(opt).UnixMilli(), 10)
		h.Set(hsSigV3, b64Enc.encode(hmacSum(sha256.New, textKey(opt), hubspotV3Payload(req, u, ts))))
		h.Set(hsTS, ts)
	}
	return h, nil
}
