package collector

import (
	"context"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/proto"
)

const waitFor, tick = 10 * time.Second, 10 * time.Millisecond

// entry is one stored binlog of a fakePump; a nil payload marshals b.
type entry struct {
	ts      int64
	payload []byte
}

// fakePump is a PumpServer over loopback gRPC serving scripted binlogs.
type fakePump struct {
	binlogpb.UnimplementedPumpServer
	addr string

	mu          sync.Mutex
	entries     []entry
	changed     chan struct{} // closed and replaced on every change
	failAt      map[int64]error
	noFilter    bool // send every entry whatever the start offset
	starts      []int64
	compression []string
}

func startFakePump(t testing.TB, opts ...grpc.ServerOption) *fakePump {
	t.Helper()
	f := &fakePump{changed: make(chan struct{}), failAt: map[int64]error{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.addr = l.Addr().String()
	srv := grpc.NewServer(append([]grpc.ServerOption{grpc.StatsHandler(f)}, opts...)...)
	binlogpb.RegisterPumpServer(srv, f)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return f
}

// add stores binlogs at the given commit ts (fake binlogs: start == commit).
func (f *fakePump) add(ts ...int64) {
	for _, x := range ts {
		f.addRaw(x, nil)
	}
}

func (f *fakePump) addRaw(ts int64, payload []byte) {
	if payload == nil {
		b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, ts-1, ts)
		payload, _ = proto.Marshal(b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, entry{ts: ts, payload: payload})
	close(f.changed)
	f.changed = make(chan struct{})
}

// failOnce ends the next stream that reaches ts with err, once.
func (f *fakePump) failOnce(ts int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt[ts] = err
}

func (f *fakePump) startOffsets() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.starts...)
}

// next returns the first entry from index i to send, or a channel to wait
// on, or the error to end the stream with.
func (f *fakePump) next(i int, last int64) (int, *entry, <-chan struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ; i < len(f.entries); i++ {
		e := f.entries[i]
		if !f.noFilter && e.ts <= last {
			continue
		}
		if err, ok := f.failAt[e.ts]; ok {
			delete(f.failAt, e.ts)
			return i, nil, nil, err
		}
		return i, &e, nil, nil
	}
	return i, nil, f.changed, nil
}

func (f *fakePump) PullBinlogs(req *binlogpb.PullBinlogReq, stream grpc.ServerStreamingServer[binlogpb.PullBinlogResp]) error {
	last := req.GetStartFrom().GetOffset()
	f.mu.Lock()
	f.starts = append(f.starts, last)
	f.mu.Unlock()
	for i := 0; ; {
		j, e, wait, err := f.next(i, last)
		switch {
		case err != nil:
			return err
		case e == nil:
			i = j
			select {
			case <-stream.Context().Done():
				return nil
			case <-wait:
			}
			continue
		}
		resp := &binlogpb.PullBinlogResp{Entity: &binlogpb.Entity{Pos: &binlogpb.Pos{Offset: e.ts}, Payload: e.payload}}
		if err := stream.Send(resp); err != nil {
			return err
		}
		i, last = j+1, e.ts
	}
}

// stats.Handler: records the compression of incoming requests.
func (f *fakePump) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (f *fakePump) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (f *fakePump) HandleConn(context.Context, stats.ConnStats) {}
func (f *fakePump) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		f.mu.Lock()
		f.compression = append(f.compression, h.Compression)
		f.mu.Unlock()
	}
}

// memRegistry is an in-memory pump list.
type memRegistry struct {
	mu    sync.Mutex
	nodes map[string]*registry.Status
}

func newMemRegistry() *memRegistry { return &memRegistry{nodes: map[string]*registry.Status{}} }

func (r *memRegistry) set(id, addr, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes[id] = &registry.Status{NodeID: id, Addr: addr, State: state}
}

func (r *memRegistry) Nodes(_ context.Context, kind string) ([]*registry.Status, int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*registry.Status
	for _, n := range r.nodes {
		c := *n
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return out, 1, nil
}

// harness runs a collector and records its output.
type harness struct {
	c       *Collector
	cancel  context.CancelFunc
	done    chan error
	drained chan struct{} // closed once Output is closed and read to its end

	mu  sync.Mutex
	got []int64
}

func runCollector(t *testing.T, cfg Config, reg PumpLister) *harness {
	t.Helper()
	if cfg.DetectInterval == 0 {
		cfg.DetectInterval = time.Hour
	}
	if cfg.RetryInterval == 0 {
		cfg.RetryInterval = 20 * time.Millisecond
	}
	c, err := New(cfg, Deps{Registry: reg})
	require.NoError(t, err)
	return runWith(t, c)
}

func (h *harness) output() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int64(nil), h.got...)
}

func (h *harness) waitOutput(t *testing.T, want ...int64) {
	t.Helper()
	require.Eventually(t, func() bool { return len(h.output()) >= len(want) }, waitFor, tick)
	require.Equal(t, want, h.output())
}

// stop cancels Run and returns its result (nil after a second call).
func (h *harness) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case err, ok := <-h.done:
		if ok {
			close(h.done)
		}
		return err
	case <-time.After(waitFor):
		t.Fatal("collector did not stop")
		return nil
	}
}

func (h *harness) notify(t *testing.T) {
	t.Helper()
	notify(t, h.c)
}
