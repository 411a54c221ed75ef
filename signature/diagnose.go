package signature

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Diagnoses name the common mistakes Verify can recognise. Result.Diagnosis
// is one of these; Result.Reason repeats it with the detail.
const (
	DiagJSONReserialized = "body re-serialized as JSON instead of signing the raw bytes"
	DiagTrailingNewline  = "trailing newline added or stripped"
	DiagWhsecNotDecoded  = "whsec_ secret used without base64-decoding"
	DiagSecretDecoded    = "secret base64-decoded when this scheme uses it as-is"
	DiagHexForBase64     = "hex signature where base64 is expected"
	DiagBase64ForHex     = "base64 signature where hex is expected"
	DiagSecretWhitespace = "secret has surrounding whitespace"
	DiagURLScheme        = "wrong URL: http vs https"
	DiagURLSlash         = "wrong URL: trailing slash"
	DiagURLMissing       = "Options.URL missing: this scheme signs the public URL the sender called"
)

// attempt is one "what if the sender did X" variation of the inputs.
type attempt struct {
	diag, detail string
	req          Request
	opt          Options
}

// diagnose re-runs the scheme on variations of the request and options; the
// first variation that verifies names the mistake. Timestamps are ignored
// so that only the signature decides.
func diagnose(s *scheme, req Request, opt Options, r *Result) {
	opt.Tolerance = NoTolerance
	tries := secretAttempts(s.key, req, opt)
	if !s.noBody {
		tries = append(tries, bodyAttempts(req, opt)...)
	}
	tries = append(tries, urlAttempts(r.signedURL, req, opt)...)
	for _, a := range tries {
		if s.verify(a.req, a.opt).Valid {
			explain(r, a.diag, a.detail)
			return
		}
	}
	if r.signedURL != "" && opt.URL == "" {
		explain(r, DiagURLMissing, "verified against the captured URL "+clip(r.signedURL)+"; set the public URL configured at the provider")
	}
}

func explain(r *Result, diag, detail string) {
	r.Diagnosis = diag
	r.Reason = "signature does not match: " + diag + " (" + detail + ")"
}

func secretAttempts(k keyStyle, req Request, opt Options) []attempt {
	var out []attempt
	if opt.Secret == "" || k == keyPublic {
		return nil
	}
	if t := strings.TrimSpace(opt.Secret); t != opt.Secret {
		o := opt
		o.Secret = t
		out = append(out, attempt{DiagSecretWhitespace, "it matches with the secret trimmed", req, o})
	}
	trimmed := strings.TrimSpace(opt.Secret)
	switch k {
	case keyWhsec:
		for _, key := range []string{trimmed, strings.TrimPrefix(trimmed, "whsec_")} {
			o := opt
			o.key = []byte(key)
			out = append(out, attempt{DiagWhsecNotDecoded, "the sender used the secret text itself as the HMAC key", req, o})
		}
	case keyText:
		if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(trimmed, "whsec_")); err == nil && len(b) > 0 {
			o := opt
			o.key = b
			out = append(out, attempt{DiagSecretDecoded, "the sender base64-decoded the secret; this provider uses the text as the key", req, o})
		}
	}
	return out
}

func bodyAttempts(req Request, opt Options) []attempt {
	var out []attempt
	add := func(diag, detail string, body []byte) {
		r := req
		r.Body = body
		out = append(out, attempt{diag, detail, r, opt})
	}
	// The newline first: compacting a JSON body drops its trailing newline
	// too, and the smaller change is the one that names the mistake.
	b := req.Body
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		add(DiagTrailingNewline, "it matches the body without its trailing CRLF", b[:len(b)-2])
	case bytes.HasSuffix(b, []byte("\n")):
		add(DiagTrailingNewline, "it matches the body without its trailing newline", b[:len(b)-1])
	case len(b) > 0:
		add(DiagTrailingNewline, "it matches the body with a trailing newline added", append(bytes.Clone(b), '\n'))
	}
	for _, v := range jsonVariants(req.Body) {
		add(DiagJSONReserialized, "it matches the body as "+v.name+"; sign and verify the raw bytes", v.body)
	}
	return out
}

type bodyVariant struct {
	name string
	body []byte
}

// jsonVariants are the encodings a sender's JSON library may have produced
// when it signed a re-serialized object instead of the bytes it sent.
func jsonVariants(body []byte) []bodyVariant {
	if len(body) == 0 || !json.Valid(body) {
		return nil
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		return nil
	}
	cands := []bodyVariant{
		{"compact JSON", compact.Bytes()},
		{"2-space indented JSON", indent(compact.Bytes(), "  ")},
		{"4-space indented JSON", indent(compact.Bytes(), "    ")},
		{"tab-indented JSON", indent(compact.Bytes(), "\t")},
		{"JSON with Python json.dumps spacing", pythonSpacing(compact.Bytes())},
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&v) == nil {
		sorted, _ := json.Marshal(v)
		var noEsc bytes.Buffer
		e := json.NewEncoder(&noEsc)
		e.SetEscapeHTML(false)
		_ = e.Encode(v)
		cands = append(cands,
			bodyVariant{"JSON re-marshaled with sorted keys", sorted},
			bodyVariant{"JSON re-marshaled with sorted keys and no HTML escaping", bytes.TrimSuffix(noEsc.Bytes(), []byte("\n"))},
			bodyVariant{"JSON re-marshaled with sorted keys, 2-space indented", indent(sorted, "  ")},
		)
	}
	return uniqueVariants(body, cands)
}

func uniqueVariants(body []byte, cands []bodyVariant) []bodyVariant {
	seen := [][]byte{body}
	var out []bodyVariant
next:
	for _, c := range cands {
		if len(c.body) == 0 {
			continue
		}
		for _, s := range seen {
			if bytes.Equal(s, c.body) {
				continue next
			}
		}
		seen = append(seen, c.body)
		out = append(out, c)
	}
	return out
}

func indent(compact []byte, unit string) []byte {
	var b bytes.Buffer
	if json.Indent(&b, compact, "", unit) != nil {
		return nil
	}
	return b.Bytes()
}

// pythonSpacing turns compact JSON into json.dumps' default ", " and ": "
// separators, outside strings.
func pythonSpacing(compact []byte) []byte {
	var b bytes.Buffer
	inStr, esc := false, false
	for _, c := range compact {
		b.WriteByte(c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			b.WriteByte(' ')
		}
	}
	return b.Bytes()
}

func urlAttempts(signed string, req Request, opt Options) []attempt {
	if signed == "" {
		return nil
	}
	// Work on the text, not url.URL, so escapes in the path survive as sent.
	base, rest := signed, ""
	if i := strings.IndexAny(signed, "?#"); i >= 0 {
		base, rest = signed[:i], signed[i:]
	}
	var out []attempt
	add := func(diag string, v string) {
		o := opt
		o.URL = v
		out = append(out, attempt{diag, "the sender signed " + clip(v), req, o})
	}
	switch {
	case strings.HasPrefix(base, "http://"):
		add(DiagURLScheme, "https://"+base[len("http://"):]+rest)
	case strings.HasPrefix(base, "https://"):
		add(DiagURLScheme, "http://"+base[len("https://"):]+rest)
	default:
		return nil
	}
	if strings.HasSuffix(base, "/") {
		add(DiagURLSlash, strings.TrimSuffix(base, "/")+rest)
	} else {
		add(DiagURLSlash, base+"/"+rest)
	}
	return out
}
