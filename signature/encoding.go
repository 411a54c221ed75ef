package signature

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"hash"
)

// encoding is how a scheme writes MAC bytes into a header.
type encoding int

const (
	hexEnc encoding = iota
	b64Enc
	b64URLEnc
)

func (e encoding) String() string {
	switch e {
	case b64Enc:
		return "base64"
	case b64URLEnc:
		return "base64url"
	}
	return "hex"
}

func (e encoding) encode(b []byte) string {
	switch e {
	case b64Enc:
		return base64.StdEncoding.EncodeToString(b)
	case b64URLEnc:
		return base64.URLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// decodeBase64 accepts padded and unpadded, standard and URL alphabets:
// senders disagree on padding and the MAC comparison decides anyway.
func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

func (e encoding) decode(s string) ([]byte, bool) {
	if e == hexEnc {
		b, err := hex.DecodeString(s)
		return b, err == nil
	}
	return decodeBase64(s)
}

// other is the encoding people confuse this one with.
func (e encoding) other() encoding {
	if e == hexEnc {
		return b64Enc
	}
	return hexEnc
}

// matchAny reports whether one of the received signatures is mac in encoding
// e (constant-time on the bytes). When none is, but one is mac in the other
// encoding, it returns the diagnosis naming that mix-up.
func matchAny(mac []byte, received []string, e encoding) (bool, string) {
	for _, s := range received {
		if got, ok := e.decode(s); ok && hmac.Equal(got, mac) {
			return true, ""
		}
	}
	for _, s := range received {
		if got, ok := e.other().decode(s); ok && hmac.Equal(got, mac) {
			if e == hexEnc {
				return false, DiagBase64ForHex
			}
			return false, DiagHexForBase64
		}
	}
	return false, ""
}

// hmacSum is HMAC(key, parts...) with the given hash.
func hmacSum(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}
