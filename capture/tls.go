package capture

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"dev.hookscope/storage"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// Settings names under which the listener's certificate is kept, so its
// fingerprint stays the same across restarts and a sender can pin it.
const (
	SettingTLSCert = storage.SettingTLSCert
	SettingTLSKey  = storage.SettingTLSKey
)

// Settings is the part of the store that keeps the certificate.
type Settings interface {
	Setting(name string) ([]byte, error)
	PutSetting(name string, value []byte) error
}

// LoadOrCreateCert returns the certificate kept in st, creating and keeping
// a self-signed ECDSA P-256 one the first time. The key is written before
// the certificate, and a pair that does not load (a crash between the two
// writes, a damaged value) is replaced, so a start never fails on it.
func LoadOrCreateCert(st Settings) (tls.Certificate, error) {
	return LoadOrCreateCertNamed(st, SettingTLSCert, SettingTLSKey, "the listener's")
}

// LoadOrCreateCertNamed is LoadOrCreateCert for a certificate kept under
// other setting names (the local API's); whose names it in errors.
func LoadOrCreateCertNamed(st Settings, certName, keyName, whose string) (tls.Certificate, error) {
	certPEM, err := st.Setting(certName)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read %s TLS certificate: %w", whose, err)
	}
	keyPEM, err := st.Setting(keyName)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read %s TLS key: %w", whose, err)
	}
	if certPEM != nil && keyPEM != nil {
		if cert, err := tls.X509KeyPair(certPEM, keyPEM); err == nil {
			return cert, nil
		}
	}
	certPEM, keyPEM, err = newSelfSigned(time.Now())
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create %s TLS certificate: %w", whose, err)
	}
	if err := st.PutSetting(keyName, keyPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("save %s TLS key: %w", whose, err)
	}
	if err := st.PutSetting(certName, certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("save %s TLS certificate: %w", whose, err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// newSelfSigned makes a certificate for this machine's loopback names and
// host name. Senders pin it by fingerprint rather than trusting a CA, so it
// is valid for ten years.
func newSelfSigned(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	names := []string{"localhost"}
	if host, err := os.Hostname(); err == nil && host != "" && host != "localhost" {
		names = append(names, host)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Hookscope listener", Organization: []string{"Hookscope"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// Fingerprint is the SHA-256 of the certificate's DER bytes, as colon-
// separated upper-case hex (the form `openssl x509 -fingerprint -sha256`
// prints).
func Fingerprint(cert tls.Certificate) string {
	if len(cert.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(cert.Certificate[0])
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// PublicKeyPin is the form curl's --pinnedpubkey takes:
// "sha256//" + base64 of the SHA-256 of the public key (SPKI).
func PublicKeyPin(cert tls.Certificate) string {
	if len(cert.Certificate) == 0 {
		return ""
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return "sha256//" + base64.StdEncoding.EncodeToString(sum[:])
}
