package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
)

// parseKey reads the key an asymmetric scheme was given as its secret:
// PEM (CERTIFICATE, PUBLIC KEY, RSA PUBLIC KEY, PRIVATE KEY, RSA PRIVATE
// KEY, EC PRIVATE KEY), hex (Ed25519: 32-byte public or 64-byte private key)
// or base64 DER (SubjectPublicKeyInfo or PKCS#8). With a private key, priv
// is set too and the scheme can sign. Errors never quote the input: it may
// be a private key.
func parseKey(s string) (pub crypto.PublicKey, priv crypto.Signer, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil, errors.New("no key given")
	}
	if strings.Contains(s, "-----BEGIN") {
		// Keys pasted out of JSON or .env files often carry literal \n.
		return parsePEM(strings.ReplaceAll(s, `\n`, "\n"))
	}
	if b, err := hex.DecodeString(s); err == nil {
		switch len(b) {
		case ed25519.PublicKeySize:
			return ed25519.PublicKey(b), nil, nil
		case ed25519.PrivateKeySize:
			k := ed25519.PrivateKey(b)
			return k.Public(), k, nil
		}
	}
	if b, ok := decodeBase64(s); ok {
		if len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil, nil
		}
		return parseDER(b)
	}
	return nil, nil, errors.New("the key is neither PEM, hex nor base64")
}

func parsePEM(s string) (crypto.PublicKey, crypto.Signer, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, nil, errors.New("the PEM key does not decode")
	}
	if block.Type == "CERTIFICATE" {
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, errors.New("the PEM certificate does not parse")
		}
		return cert.PublicKey, nil, nil
	}
	return parseDER(block.Bytes)
}

// parseDER tries every DER key encoding in turn; the type is not labelled
// in base64 input.
func parseDER(b []byte) (crypto.PublicKey, crypto.Signer, error) {
	if k, err := x509.ParsePKIXPublicKey(b); err == nil {
		return k, nil, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(b); err == nil {
		return k, nil, nil
	}
	var priv any
	if k, err := x509.ParsePKCS8PrivateKey(b); err == nil {
		priv = k
	} else if k, err := x509.ParseECPrivateKey(b); err == nil {
		priv = k
	} else if k, err := x509.ParsePKCS1PrivateKey(b); err == nil {
		priv = k
	}
	if s, ok := priv.(crypto.Signer); ok {
		return s.Public(), s, nil
	}
	if c, err := x509.ParseCertificate(b); err == nil {
		return c.PublicKey, nil, nil
	}
	return nil, nil, errors.New("the key is not a DER public key, private key or certificate")
}

// Typed accessors: each says which key type the scheme wanted.

func ed25519Key(s string) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := parseKey(s)
	if err != nil {
		return nil, nil, err
	}
	p, ok := pub.(ed25519.PublicKey)
	if !ok {
		return nil, nil, errors.New("the key is not an Ed25519 key")
	}
	sk, _ := priv.(ed25519.PrivateKey)
	return p, sk, nil
}

func ecdsaKey(s string) (*ecdsa.PublicKey, *ecdsa.PrivateKey, error) {
	pub, priv, err := parseKey(s)
	if err != nil {
		return nil, nil, err
	}
	p, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, errors.New("the key is not an ECDSA key")
	}
	sk, _ := priv.(*ecdsa.PrivateKey)
	return p, sk, nil
}

func rsaKey(s string) (*rsa.PublicKey, *rsa.PrivateKey, error) {
	pub, priv, err := parseKey(s)
	if err != nil {
		return nil, nil, err
	}
	p, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, nil, errors.New("the key is not an RSA key or certificate")
	}
	sk, _ := priv.(*rsa.PrivateKey)
	return p, sk, nil
}
