package pdlite

import (
	"fmt"
	"net/url"
	"strings"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// validateTLS checks that the client URLs and the security section agree:
// https client URLs need ssl-ca, ssl-cert and ssl-key, and with ssl-ca set
// every client URL must be https. Peer URLs stay plain (one member).
func validateTLS(cfg Config) error {
	sec := cfg.Security
	https := 0
	for _, raw := range cfg.ClientURLs {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Scheme == "https" {
			https++
		}
	}
	switch {
	case !sec.Enabled() && https > 0:
		return fmt.Errorf("https client urls need ssl-ca, ssl-cert and ssl-key: %w", ErrBadConfig)
	case !sec.Enabled() && sec.SSLCert == "" && sec.SSLKey == "":
		return nil
	case !sec.Enabled():
		// fall through to Validate, which names what is missing
	case https != len(cfg.ClientURLs):
		return fmt.Errorf("with ssl-ca set every client url must be https: %w", ErrBadConfig)
	case sec.SSLCert == "" || sec.SSLKey == "":
		return fmt.Errorf("serving TLS needs ssl-cert and ssl-key: %w", ErrBadConfig)
	}
	// Without ssl-ca this rejects a lone ssl-cert or ssl-key.
	if err := sec.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	return nil
}

// clientTLSInfo is etcd's view of the security section: clients must present
// a certificate signed by ssl-ca and, when cert-allowed-cn is set, with one
// of those common names. It serves etcd and the PD service alike.
func clientTLSInfo(sec security.Config) transport.TLSInfo {
	if !sec.Enabled() {
		return transport.TLSInfo{}
	}
	return transport.TLSInfo{
		CertFile:       sec.SSLCert,
		KeyFile:        sec.SSLKey,
		TrustedCAFile:  sec.SSLCA,
		ClientCertAuth: true,
		AllowedCNs:     append([]string(nil), sec.CertAllowedCN...),
	}
}
