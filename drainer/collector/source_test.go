package collector

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"
)

func TestSourceBoundedInBytes(t *testing.T) {
	s := newSource("a", 100, func() {})
	ctx := context.Background()
	b := func(ts int64) item { return item{b: binlogpb.NewBinlog(binlogpb.BinlogType_Commit, ts, ts), size: 60} }
	require.NoError(t, s.push(ctx, b(1)))

	pushed := make(chan error, 1)
	go func() { pushed <- s.push(ctx, b(2)) }()
	require.Never(t, func() bool { return len(pushed) > 0 }, 50*time.Millisecond, 5*time.Millisecond)
	require.EqualValues(t, 1, s.pop().GetCommitTs())
	require.NoError(t, <-pushed)

	// An empty source takes a binlog larger than its limit.
	require.EqualValues(t, 2, s.pop().GetCommitTs())
	require.NoError(t, s.push(ctx, item{b: binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 3, 3), size: 1000}))

	cctx, cancel := context.WithCancel(ctx)
	go func() { pushed <- s.push(cctx, b(4)) }()
	cancel()
	require.ErrorIs(t, <-pushed, context.Canceled)

	go func() { pushed <- s.push(ctx, b(5)) }()
	s.remove()
	require.ErrorIs(t, <-pushed, errSourceRemoved)
}

// TestHugeBinlogPassesAlone pulls a binlog much larger than the buffer limit:
// it passes alone, in order (8 MiB here to keep CI fast under -race; 100 MiB
// was tried by hand).
func TestHugeBinlogPassesAlone(t *testing.T) {
	const size = 8 << 20
	a := startFakePump(t)
	big := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 19, 20)
	big.PrewriteValue = bytes.Repeat([]byte{'x'}, size)
	payload, err := proto.Marshal(big)
	require.NoError(t, err)
	a.add(10)
	a.addRaw(20, payload)
	a.add(30)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	c, err := New(Config{DetectInterval: time.Hour, BufferBytes: 256 << 10}, Deps{Registry: reg, Logger: zaptest.NewLogger(t)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var sizes []int
	for want := range []int64{10, 20, 30} {
		select {
		case b := <-c.Output():
			require.EqualValues(t, []int64{10, 20, 30}[want], b.GetCommitTs())
			sizes = append(sizes, len(b.GetPrewriteValue()))
		case <-time.After(3 * waitFor):
			t.Fatal("no binlog")
		}
	}
	require.Equal(t, []int{0, size, 0}, sizes)
	cancel()
	require.NoError(t, <-done)
}
