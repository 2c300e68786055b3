package security

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"

	"go.uber.org/zap"
)

// NewListener is tls.NewListener that logs each client refused during the
// TLS handshake (no certificate, a certificate from another CA, a common name
// outside cert-allowed-cn, plain text) at Warn level with its address and
// the reason, so that the refusal shows in the server's log and not only on
// the client. A client that closes before sending anything is not logged.
// The handshake runs on the first Read or Write of the accepted conn, as
// with tls.NewListener. lg nil means no logging.
func NewListener(inner net.Listener, cfg *tls.Config, lg *zap.Logger) net.Listener {
	if lg == nil {
		lg = zap.NewNop()
	}
	return &listener{Listener: inner, cfg: cfg, lg: lg}
}

type listener struct {
	net.Listener
	cfg *tls.Config
	lg  *zap.Logger
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: tls.Server(c, l.cfg), lg: l.lg}, nil
}

// conn logs the outcome of its handshake once.
type conn struct {
	*tls.Conn
	lg   *zap.Logger
	once sync.Once
}

func (c *conn) handshake() error {
	err := c.Handshake()
	if err != nil {
		c.once.Do(func() { c.logRefusal(err) })
	}
	return err
}

func (c *conn) logRefusal(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return
	}
	c.lg.Warn("refused TLS client", zap.Stringer("remoteAddr", c.RemoteAddr()), zap.Error(err))
}

func (c *conn) Read(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *conn) Write(b []byte) (int, error) {
	if err := c.handshake(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
