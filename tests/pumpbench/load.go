package main

import (
	"context"
	"crypto/rand"
	"errors"

	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// writeFunc writes one binlog and returns once the pump acknowledged it.
type writeFunc func(ctx context.Context, b *binlogpb.Binlog) error

func runCell(ctx context.Context, o *options, dir string, size, writers int) (result, error) {
	c, err := startCluster(ctx, o, dir)
	if err != nil {
		return result{}, err
	}
	defer c.stop()
	pdc, err := pd.NewClient(ctx, []string{c.pd.URL}, security.Config{}, zap.NewNop())
	if err != nil {
		return result{}, err
	}
	defer pdc.Close()
	conn, err := grpc.NewClient(c.pump.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)))
	if err != nil {
		return result{}, err
	}
	defer conn.Close()
	write, closeWriter, err := newWriter(o, c, pdc.ClusterID(), conn)
	if err != nil {
		return result{}, err
	}
	defer closeWriter()

	res := result{size: size, writers: writers}
	// commitTimes maps a commit_ts to the moment its writer obtained it,
	// ackTimes to the moment its commit binlog was acknowledged.
	var commitTimes, ackTimes sync.Map
	pullCtx, stopPull := context.WithCancel(ctx)
	pullDone := make(chan struct{})
	go func() {
		defer close(pullDone)
		pull(pullCtx, binlogpb.NewPumpClient(conn), pdc.ClusterID(), &commitTimes, &res)
	}()

	payload := make([]byte, size)
	_, _ = rand.Read(payload)
	lats := make([]latencies, writers)
	var binlogs, errs atomic.Int64
	var commits sync.WaitGroup // commit binlogs still being written
	deadline := time.Now().Add(o.duration)
	cpu0 := sampleCPU(c)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tx := &txnWriter{pdc: pdc, write: write, payload: payload, lats: &lats[w], commitTimes: &commitTimes,
				ackTimes: &ackTimes, binlogs: &binlogs, errs: &errs, commits: &commits, syncCommit: o.syncCommit}
			pace := newPacer(o.rate, writers, w, start)
			for time.Now().Before(deadline) && pace.wait(deadline) {
				tx.run(ctx)
			}
		}(w)
	}
	wg.Wait()
	commits.Wait()
	res.elapsed = time.Since(start)
	res.binlogs = binlogs.Load()
	res.cpuPump, res.cpuPD, res.cpuClient = cpu0.perBinlog(sampleCPU(c), res.binlogs)
	// Let the puller drain what was written, then stop it.
	time.Sleep(200 * time.Millisecond)
	stopPull()
	<-pullDone
	if o.backlog {
		res.backlogRate, res.backlogCPU = pullBacklog(ctx, c, conn, pdc.ClusterID(), res.pulled)
	}
	res.bytes = res.binlogs / 2 * int64(size)
	res.errors = errs.Load()
	for i := range lats {
		res.writeLat = append(res.writeLat, lats[i].all...)
	}
	res.ackPullLat = afterAck(res.arrivals, &ackTimes)
	res.finish()
	return res, nil
}

// latencies holds the write latencies of one writer; an asynchronous
// commit write appends under mu.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d)
	l.mu.Unlock()
}

// txnWriter is one TiDB session writing transactions one after the other.
type txnWriter struct {
	pdc         *pd.Client
	write       writeFunc
	payload     []byte
	lats        *latencies
	commitTimes *sync.Map
	ackTimes    *sync.Map
	binlogs     *atomic.Int64
	errs        *atomic.Int64
	commits     *sync.WaitGroup
	syncCommit  bool
}

// run writes one transaction like TiDB's 2PC with binlog: start_ts, the
// prewrite binlog (acknowledged before the commit), commit_ts, then the
// commit binlog. TiDB writes the commit binlog from a goroutine of its own
// and does not wait for it (twoPhaseCommitter.writeFinishBinlog): the
// session goes on with its next transaction. syncCommit waits for it.
func (t *txnWriter) run(ctx context.Context) {
	startTS, err := t.pdc.TSO(ctx)
	if err != nil {
		t.errs.Add(1)
		return
	}
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	p.PrewriteKey = []byte("t\x80\x00\x00\x00\x00\x00\x00\x01_r\x80\x00\x00\x00\x00\x00\x00\x01")
	p.PrewriteValue = t.payload
	if !t.timedWrite(ctx, p) {
		return
	}
	commitTS, err := t.pdc.TSO(ctx)
	if err != nil {
		t.errs.Add(1)
		return
	}
	t.commitTimes.Store(commitTS, time.Now())
	cb := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, startTS, commitTS)
	cb.PrewriteKey = p.PrewriteKey
	if t.syncCommit {
		t.commitWrite(ctx, cb)
		return
	}
	t.commits.Add(1)
	go func() {
		defer t.commits.Done()
		t.commitWrite(ctx, cb)
	}()
}

func (t *txnWriter) commitWrite(ctx context.Context, cb *binlogpb.Binlog) {
	if t.timedWrite(ctx, cb) {
		t.ackTimes.Store(cb.GetCommitTs(), time.Now())
	}
}

func (t *txnWriter) timedWrite(ctx context.Context, b *binlogpb.Binlog) bool {
	t0 := time.Now()
	if err := t.write(ctx, b); err != nil {
		t.errs.Add(1)
		return false
	}
	t.lats.add(time.Since(t0))
	t.binlogs.Add(1)
	return true
}

func newWriter(o *options, c *cluster, clusterID uint64, conn *grpc.ClientConn) (writeFunc, func(), error) {
	if o.client == "pumpclient" {
		pc, err := pumpclient.NewPumpsClient(c.pd.URL, "range", 15*time.Second, security.Config{})
		if err != nil {
			return nil, nil, err
		}
		return func(_ context.Context, b *binlogpb.Binlog) error { return pc.WriteBinlog(b) }, pc.Close, nil
	}
	cli := binlogpb.NewPumpClient(conn)
	return func(ctx context.Context, b *binlogpb.Binlog) error {
		data, err := proto.Marshal(b)
		if err != nil {
			return err
		}
		resp, err := cli.WriteBinlog(ctx, &binlogpb.WriteBinlogReq{ClusterID: clusterID, Payload: data})
		if err != nil {
			return err
		}
		if resp.GetErrmsg() != "" {
			return errors.New(resp.GetErrmsg())
		}
		return nil
	}, func() {}, nil
}

// pull reads the pump's stream from the beginning and records, for every
// real commit binlog, how long after its writer obtained the commit_ts it
// arrived. (Measuring from the physical part of commit_ts instead would add
// PD's 0-50 ms TSO tick lag.)
func pull(ctx context.Context, cli binlogpb.PumpClient, clusterID uint64, commitTimes *sync.Map, res *result) {
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: clusterID, StartFrom: &binlogpb.Pos{}})
	if err != nil {
		return
	}
	start := time.Now()
	for {
		resp, err := stream.Recv()
		if err != nil {
			res.pullElapsed = time.Since(start)
			return
		}
		commitTS, ok := realCommit(resp)
		if !ok {
			continue
		}
		res.pulled++
		now := time.Now()
		if t, ok := commitTimes.LoadAndDelete(commitTS); ok {
			res.pullLat = append(res.pullLat, now.Sub(t.(time.Time)))
			res.arrivals = append(res.arrivals, arrival{commitTS: commitTS, at: now})
		}
	}
}

// realCommit returns the commit_ts of a pulled binlog, and false for a
// fake binlog or an undecodable one. The timestamps come from the entity's
// meta, or from the payload when the pump sends no meta (the original does
// not).
func realCommit(resp *binlogpb.PullBinlogResp) (int64, bool) {
	meta := resp.GetEntity().GetMeta()
	startTS, commitTS := meta.GetStartTs(), meta.GetCommitTs()
	if commitTS == 0 {
		h, err := binlogpb.PeekHeader(resp.GetEntity().GetPayload())
		if err != nil {
			return 0, false
		}
		startTS, commitTS = h.StartTs, h.CommitTs
	}
	return commitTS, startTS != commitTS
}

// arrival is when a commit binlog reached the puller.
type arrival struct {
	commitTS int64
	at       time.Time
}

// afterAck returns, for each pulled commit binlog whose write was
// acknowledged, how long after the acknowledgement it reached the puller (0
// when it came first): the time the pump's pipeline and sorter add to the
// commit's own write.
func afterAck(arrivals []arrival, ackTimes *sync.Map) []time.Duration {
	out := make([]time.Duration, 0, len(arrivals))
	for _, a := range arrivals {
		if t, ok := ackTimes.Load(a.commitTS); ok {
			out = append(out, max(0, a.at.Sub(t.(time.Time))))
		}
	}
	return out
}
