package tidblite

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// statusListener wraps the status listener with TLS when Config.Security
// is enabled, as TiDB serves its status port with cluster TLS: clients must
// present a certificate of the cluster CA (with a common name listed in
// CertAllowedCN when that is set). The status API speaks HTTP/1.1 only, so
// ALPN never selects h2.
func (s *Server) statusListener(ln net.Listener) (net.Listener, error) {
	cfg, err := s.cfg.Security.ToTLSConfig()
	if err != nil {
		return nil, fmt.Errorf("load tls config: %w", err)
	}
	if cfg == nil {
		return ln, nil
	}
	if len(cfg.Certificates) == 0 {
		return nil, fmt.Errorf("%w: the status API needs ssl-cert and ssl-key", ErrNoStatusCert)
	}
	return security.NewListener(ln, http1Only(cfg), s.lg), nil
}

// http1Only returns cfg (and the per-client config it may hand out) with
// ALPN limited to http/1.1.
func http1Only(cfg *tls.Config) *tls.Config {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	if inner := cfg.GetConfigForClient; inner != nil {
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			c, err := inner(hello)
			if err != nil || c == nil {
				return c, err
			}
			c = c.Clone()
			c.NextProtos = []string{"http/1.1"}
			return c, nil
		}
	}
	return cfg
}

// statusScheme is the scheme of StatusURL.
func (s *Server) statusScheme() string {
	if s.cfg.Security.Enabled() {
		return "https://"
	}
	return "http://"
}
