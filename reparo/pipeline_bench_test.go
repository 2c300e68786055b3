package reparo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// nullLoader stands for the loader in BenchmarkPipeline: it takes each
// transaction on an unbuffered channel, as the loader's input is, and
// reports it done from another goroutine, as the loader's successes are.
type nullLoader struct {
	in   chan *loader.Txn
	done doneFunc
	quit chan struct{}
}

func newNullLoader(done doneFunc) *nullLoader {
	n := &nullLoader{in: make(chan *loader.Txn), done: done, quit: make(chan struct{})}
	go func() {
		defer close(n.quit)
		for txn := range n.in {
			m := txn.Metadata.(txnMeta)
			n.done(m.ts, m.rows)
		}
	}()
	return n
}

func (n *nullLoader) Sync(ctx context.Context, b *filepb.Binlog) error {
	txn, err := BinlogToTxn(b)
	if err != nil {
		return err
	}
	return n.SyncTxn(ctx, b, txn)
}

func (n *nullLoader) SyncTxn(_ context.Context, b *filepb.Binlog, txn *loader.Txn) error {
	txn.Metadata = txnMeta{ts: b.GetCommitTs(), rows: countRows(b)}
	n.in <- txn
	return nil
}

func (n *nullLoader) Finish(context.Context) error { close(n.in); <-n.quit; return nil }
func (n *nullLoader) Close() error                 { return nil }
func (n *nullLoader) SetSafeMode(bool)             {}

// nullStore is a checkpoint store that keeps nothing.
type nullStore struct{ saves int }

func (s *nullStore) Load(context.Context, string) (Checkpoint, bool, error) {
	return Checkpoint{}, false, nil
}

func (s *nullStore) Save(context.Context, Checkpoint) error { s.saves++; return nil }

// BenchmarkPipeline: what reparo adds per row on top of the loader, without
// a database: reading the files, decoding, translating, the hand-off and
// the per-binlog progress and checkpoint work of the sysbench restore. A
// restore shares the machine's cores with the database, so this CPU is
// taken from it.
func BenchmarkPipeline(b *testing.B) {
	dir := b.TempDir()
	writeFiles(b, dir, 0, benchBinlogs(b, "db")...)
	ctx := context.Background()
	b.ReportAllocs()
	freshHeap()
	cpu0 := processCPU(b)
	for b.Loop() {
		r, err := New(runConfig(dir, DestMemory), Deps{})
		require.NoError(b, err)
		r.ctx = ctx
		src, err := openSource(dir, 0, 0, zap.NewNop(), r.reportDamage)
		require.NoError(b, err)
		dst := newNullLoader(r.applied)
		r.res = &resumer{lg: r.lg, store: &nullStore{}, safe: dst}
		_, _, err = r.res.load(ctx, dir, 0, 0)
		require.NoError(b, err)
		require.NoError(b, r.copy(ctx, src, dst, 0))
		require.NoError(b, dst.Finish(ctx))
		require.NoError(b, src.Close())
		require.Equal(b, int64(benchTxns*benchRowsPerTxn), r.prog.stats().Rows)
	}
	cpu := processCPU(b) - cpu0
	rows := float64(b.N * benchTxns * benchRowsPerTxn)
	b.ReportMetric(float64(cpu.Nanoseconds())/rows, "cpu-ns/row")
}
