package securitytest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// GenerateCerts writes <dir>/ca.pem and <dir>/ca-key.pem unless they already
// exist (so several names share one CA), then <dir>/<cn>.pem and
// <dir>/<cn>-key.pem signed by it, and returns the matching Config.
func GenerateCerts(t testing.TB, dir, cn string) security.Config {
	t.Helper()
	caCert, caKey := loadOrCreateCA(t, dir)
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	require.NoError(t, err)
	cfg := security.Config{
		SSLCA:   filepath.Join(dir, "ca.pem"),
		SSLCert: filepath.Join(dir, cn+".pem"),
		SSLKey:  filepath.Join(dir, cn+"-key.pem"),
	}
	writePEM(t, cfg.SSLCert, "CERTIFICATE", der)
	writeKey(t, cfg.SSLKey, key)
	return cfg
}

func loadOrCreateCA(t testing.TB, dir string) (*x509.Certificate, crypto.Signer) {
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	if certPEM, err := os.ReadFile(certPath); err == nil {
		keyPEM, err := os.ReadFile(keyPath)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(decodePEM(t, certPEM))
		require.NoError(t, err)
		key, err := x509.ParsePKCS8PrivateKey(decodePEM(t, keyPEM))
		require.NoError(t, err)
		return cert, key.(crypto.Signer)
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	writePEM(t, certPath, "CERTIFICATE", der)
	writeKey(t, keyPath, key)
	return cert, key
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	require.NoError(t, err)
	return n
}

func writeKey(t testing.TB, path string, key crypto.Signer) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	writePEM(t, path, "PRIVATE KEY", der)
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
}

func decodePEM(t testing.TB, data []byte) []byte {
	block, _ := pem.Decode(data)
	require.NotNil(t, block, "no PEM block")
	return block.Bytes
}
