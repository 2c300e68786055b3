package pumpclient

import (
	"context"
	"crypto/tls"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// fakeMode is how a fakePump answers WriteBinlog.
type fakeMode int32

const (
	fakeOK                fakeMode = iota
	fakeErrMsg                     // WriteBinlogResp{errmsg}
	fakeResourceExhausted          // gRPC ResourceExhausted, like a too large message
	fakeUnavailable                // gRPC Unavailable
)

// record is one binlog a fake pump accepted.
type record struct {
	tp        binlogpb.BinlogType
	startTS   int64
	commitTS  int64
	clusterID uint64
}

// fakePump is a minimal Pump gRPC server for fault cases a real pump cannot
// produce on demand. It records every accepted binlog.
type fakePump struct {
	t       testing.TB
	network string
	tls     *tls.Config // nil: plain
	addr    string
	mode    atomic.Int32

	mu      sync.Mutex
	srv     *grpc.Server
	records []record
	probes  int
	calls   int
}

func startFakePump(t testing.TB) *fakePump {
	f := &fakePump{t: t}
	f.serve("127.0.0.1:0")
	t.Cleanup(f.stop)
	return f
}

// startFakeTLSPump serves gRPC over TLS.
func startFakeTLSPump(t testing.TB, cfg *tls.Config) *fakePump {
	f := &fakePump{t: t, tls: cfg}
	f.serve("127.0.0.1:0")
	t.Cleanup(f.stop)
	return f
}

// startFakeUnixPump serves on a unix socket in a temporary directory.
func startFakeUnixPump(t testing.TB) *fakePump {
	f := &fakePump{t: t, network: "unix"}
	f.serve(filepath.Join(t.TempDir(), "pump.sock"))
	t.Cleanup(f.stop)
	return f
}

func (f *fakePump) serve(addr string) {
	network := f.network
	if network == "" {
		network = "tcp"
	}
	lis, err := net.Listen(network, addr)
	require.NoError(f.t, err)
	var opts []grpc.ServerOption
	if f.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(f.tls)))
	}
	srv := grpc.NewServer(opts...)
	binlogpb.RegisterPumpServer(srv, &fakePumpService{f: f})
	f.mu.Lock()
	f.srv, f.addr = srv, lis.Addr().String()
	f.mu.Unlock()
	go func() { _ = srv.Serve(lis) }()
}

// stop kills the server abruptly (connections are closed, no drain).
func (f *fakePump) stop() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Stop()
	}
}

// restart serves again on the same address.
func (f *fakePump) restart() { f.serve(f.addr) }

func (f *fakePump) setMode(m fakeMode) { f.mode.Store(int32(m)) }

func (f *fakePump) snapshot() []record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]record(nil), f.records...)
}

func (f *fakePump) probeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.probes
}

func (f *fakePump) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// countType counts the accepted binlogs of a type.
func (f *fakePump) countType(tp binlogpb.BinlogType) int {
	n := 0
	for _, r := range f.snapshot() {
		if r.tp == tp {
			n++
		}
	}
	return n
}

type fakePumpService struct {
	binlogpb.UnimplementedPumpServer
	f *fakePump
}

func (s *fakePumpService) WriteBinlog(_ context.Context, req *binlogpb.WriteBinlogReq) (*binlogpb.WriteBinlogResp, error) {
	f := s.f
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	switch fakeMode(f.mode.Load()) {
	case fakeErrMsg:
		return &binlogpb.WriteBinlogResp{Errmsg: "fake failure"}, nil
	case fakeResourceExhausted:
		return nil, status.Error(codes.ResourceExhausted, "grpc: received message larger than max")
	case fakeUnavailable:
		return nil, status.Error(codes.Unavailable, "fake unavailable")
	}
	if len(req.Payload) == 0 {
		f.mu.Lock()
		f.probes++
		f.mu.Unlock()
		return &binlogpb.WriteBinlogResp{}, nil
	}
	b := &binlogpb.Binlog{}
	if err := proto.Unmarshal(req.Payload, b); err != nil {
		return &binlogpb.WriteBinlogResp{Errmsg: err.Error()}, status.Error(codes.InvalidArgument, err.Error())
	}
	f.mu.Lock()
	f.records = append(f.records, record{tp: b.GetTp(), startTS: b.GetStartTs(), commitTS: b.GetCommitTs(), clusterID: req.ClusterID})
	f.mu.Unlock()
	return &binlogpb.WriteBinlogResp{}, nil
}
