package security

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
)

// ErrCNNotAllowed is returned by the peer verification when the client
// certificate's common name is not listed in cert-allowed-cn.
var ErrCNNotAllowed = errors.New("security: client certificate common name not allowed")

// Config is the [security] section. Paths point at PEM files.
type Config struct {
	SSLCA         string   `toml:"ssl-ca" json:"ssl-ca"`
	SSLCert       string   `toml:"ssl-cert" json:"ssl-cert"`
	SSLKey        string   `toml:"ssl-key" json:"ssl-key"`
	CertAllowedCN []string `toml:"cert-allowed-cn" json:"cert-allowed-cn"`
}

// Enabled reports whether TLS is configured (ssl-ca is set).
func (c Config) Enabled() bool { return c.SSLCA != "" }

// Validate checks that the files exist and form a usable configuration.
func (c Config) Validate() error {
	_, err := c.ToTLSConfig()
	return err
}

// ToTLSConfig builds the TLS configuration, or returns nil, nil when TLS is
// not enabled. Errors name the file that could not be used.
func (c Config) ToTLSConfig() (*tls.Config, error) {
	if !c.Enabled() {
		if c.SSLCert != "" || c.SSLKey != "" {
			return nil, fmt.Errorf("security: ssl-cert and ssl-key need ssl-ca")
		}
		return nil, nil
	}
	if (c.SSLCert == "") != (c.SSLKey == "") {
		return nil, fmt.Errorf("security: ssl-cert and ssl-key must be set together")
	}
	caPEM, err := os.ReadFile(c.SSLCA)
	if err != nil {
		return nil, fmt.Errorf("security: read ssl-ca %q: %w", c.SSLCA, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("security: ssl-ca %q holds no PEM certificate", c.SSLCA)
	}
	cfg := &tls.Config{
		RootCAs:    pool,
		ClientCAs:  pool,
		ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
	}
	if c.SSLCert != "" {
		cert, err := tls.LoadX509KeyPair(c.SSLCert, c.SSLKey)
		if err != nil {
			return nil, fmt.Errorf("security: load ssl-cert %q and ssl-key %q: %w", c.SSLCert, c.SSLKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if len(c.CertAllowedCN) > 0 {
		// The allow-list applies to clients connecting to us, not to the
		// servers (PD, other nodes) we dial with the same config: only the
		// server side consults GetConfigForClient.
		allowed := slices.Clone(c.CertAllowedCN)
		serverCfg := cfg.Clone()
		serverCfg.VerifyPeerCertificate = func(_ [][]byte, chains [][]*x509.Certificate) error {
			return verifyCN(allowed, chains)
		}
		cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return serverCfg, nil }
	}
	return cfg, nil
}

func verifyCN(allowed []string, chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		if len(chain) > 0 && slices.Contains(allowed, chain[0].Subject.CommonName) {
			return nil
		}
	}
	cn := ""
	if len(chains) > 0 && len(chains[0]) > 0 {
		cn = chains[0][0].Subject.CommonName
	}
	return fmt.Errorf("%w: %q (allowed %v)", ErrCNNotAllowed, cn, allowed)
}
