package portmux

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestOnePortServesGRPCHTTP1AndHTTP2: the three kinds of client reach their
// server on one port.
func TestOnePortServesGRPCHTTP1AndHTTP2(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	healthpb.RegisterHealthServer(gs, health.NewServer())
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})}
	HTTPProtocols(hs)
	cm, ls := Split(lis)
	done := make(chan struct{}, 4)
	serve := func(f func() error) { go func() { _ = f(); done <- struct{}{} }() }
	serve(func() error { return gs.Serve(ls.GRPC) })
	serve(func() error { return hs.Serve(ls.HTTP) })
	serve(func() error { return hs.Serve(ls.HTTP2) })
	serve(cm.Serve)
	t.Cleanup(func() {
		gs.Stop()
		_ = hs.Close()
		cm.Close()
		for range 4 {
			<-done
		}
	})
	url := "http://" + lis.Addr().String() + "/"

	get := func(p *http.Protocols) string {
		tr := &http.Transport{Protocols: p}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	h1 := new(http.Protocols)
	h1.SetHTTP1(true)
	require.Equal(t, "HTTP/1.1", get(h1))
	h2 := new(http.Protocols)
	h2.SetUnencryptedHTTP2(true)
	require.Equal(t, "HTTP/2.0", get(h2))

	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer cc.Close()
	resp, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
}
