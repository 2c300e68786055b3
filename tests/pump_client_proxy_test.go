//go:build integration

package tests

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// pcProxy sits between the pump client and a real pump (the pump
// advertises the proxy's address). It forwards WriteBinlog and records
// every call, so a test knows which pump each binlog reached. Stopping it
// drops every connection at once, which the client sees like a crashed pump
// whose registry entry still says online.
type pcProxy struct {
	t    testing.TB
	addr string

	mu       sync.Mutex
	srv      *grpc.Server
	upstream binlogpb.PumpClient
	conn     *grpc.ClientConn
	calls    []pcCall
}

// pcCall is one forwarded WriteBinlog.
type pcCall struct {
	tp      binlogpb.BinlogType
	startTS int64
	at      time.Time
	ok      bool // the pump accepted it
	probe   bool
}

func startPCProxy(t testing.TB) *pcProxy {
	p := &pcProxy{t: t}
	p.serve("127.0.0.1:0")
	t.Cleanup(func() {
		p.stop()
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.conn != nil {
			_ = p.conn.Close()
		}
	})
	return p
}

// connect points the proxy at a pump's real address.
func (p *pcProxy) connect(pumpAddr string) {
	conn, err := grpc.NewClient("passthrough:///"+pumpAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(p.t, err)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		_ = p.conn.Close()
	}
	p.conn, p.upstream = conn, binlogpb.NewPumpClient(conn)
}

func (p *pcProxy) serve(addr string) {
	lis, err := net.Listen("tcp", addr)
	require.NoError(p.t, err)
	srv := grpc.NewServer()
	binlogpb.RegisterPumpServer(srv, &pcProxyService{p: p})
	p.mu.Lock()
	p.srv, p.addr = srv, lis.Addr().String()
	p.mu.Unlock()
	go func() { _ = srv.Serve(lis) }()
}

func (p *pcProxy) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Stop()
	}
}

func (p *pcProxy) restart() { p.serve(p.addr) }

func (p *pcProxy) snapshot() []pcCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pcCall(nil), p.calls...)
}

// prewriteCalls counts the prewrite binlogs that reached this pump,
// accepted or not.
func (p *pcProxy) prewriteCalls() int {
	n := 0
	for _, c := range p.snapshot() {
		if !c.probe && c.tp == binlogpb.BinlogType_Prewrite {
			n++
		}
	}
	return n
}

// lastPrewrite is when the last prewrite reached the proxy (zero: none).
func (p *pcProxy) lastPrewrite() time.Time {
	calls := p.snapshot()
	for i := len(calls) - 1; i >= 0; i-- {
		if !calls[i].probe && calls[i].tp == binlogpb.BinlogType_Prewrite {
			return calls[i].at
		}
	}
	return time.Time{}
}

type pcProxyService struct {
	binlogpb.UnimplementedPumpServer
	p *pcProxy
}

func (s *pcProxyService) WriteBinlog(ctx context.Context, req *binlogpb.WriteBinlogReq) (*binlogpb.WriteBinlogResp, error) {
	s.p.mu.Lock()
	up := s.p.upstream
	s.p.mu.Unlock()
	if up == nil {
		return nil, status.Error(codes.Unavailable, "proxy: no upstream")
	}
	b := &binlogpb.Binlog{}
	_ = proto.Unmarshal(req.Payload, b)
	at := time.Now()
	// The pump finishes the call even when the client's connection drops,
	// so the record tells what the pump really stored.
	fwdCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	resp, err := up.WriteBinlog(fwdCtx, req)
	call := pcCall{tp: b.GetTp(), startTS: b.GetStartTs(), at: at, probe: len(req.Payload) == 0,
		ok: err == nil && resp.GetErrmsg() == ""}
	s.p.mu.Lock()
	s.p.calls = append(s.p.calls, call)
	s.p.mu.Unlock()
	return resp, err
}
