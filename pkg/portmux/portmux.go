package portmux

import (
	"net"
	"net/http"
	"time"

	"github.com/soheilhy/cmux"
)

// Listeners are the three views of one port.
type Listeners struct {
	GRPC  net.Listener // HTTP/2 with content-type application/grpc
	HTTP2 net.Listener // other HTTP/2 (serve with an HTTP server set by HTTPProtocols)
	HTTP  net.Listener // everything else (HTTP/1)
}

// Split multiplexes lis (TLS, when used, must end before it). Serve the
// returned CMux and the three listeners; closing the CMux closes them.
func Split(lis net.Listener) (cmux.CMux, Listeners) {
	cm := cmux.New(lis)
	cm.SetReadTimeout(10 * time.Second)
	ls := Listeners{
		GRPC: cm.MatchWithWriters(cmux.HTTP2MatchHeaderFieldSendSettings("content-type", "application/grpc")),
	}
	ls.HTTP2 = ackFilterListener{cm.Match(cmux.HTTP2())}
	ls.HTTP = cm.Match(cmux.Any())
	return cm, ls
}

// HTTPProtocols makes srv serve HTTP/1 and unencrypted HTTP/2 (TLS ends
// before cmux, so an HTTP/2 client reaches the server unencrypted).
func HTTPProtocols(srv *http.Server) {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Protocols = p
}
