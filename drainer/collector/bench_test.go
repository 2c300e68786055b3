package collector

import (
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// BenchmarkMergeTwoPumps pulls b.N small binlogs from two loopback pumps
// and merges them (gRPC, decode, merge; no downstream).
func BenchmarkMergeTwoPumps(b *testing.B) {
	pa, pb := startFakePump(b), startFakePump(b)
	for i := 1; i <= b.N; i++ {
		if i%2 == 0 {
			pa.add(int64(i) * 10)
		} else {
			pb.add(int64(i) * 10)
		}
	}
	pa.add(int64(b.N+1) * 10)
	pb.add(int64(b.N+2) * 10)
	reg := newMemRegistry()
	reg.set("a", pa.addr, registry.Online)
	reg.set("b", pb.addr, registry.Online)
	c, err := New(Config{DetectInterval: time.Hour}, Deps{Registry: reg})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- c.Run(ctx) }()
	for range b.N {
		<-c.Output()
	}
	b.StopTimer()
	cancel()
	require.NoError(b, <-done)
}

// BenchmarkDecodeBinlog decodes a commit binlog as a pump sends it.
func BenchmarkDecodeBinlog(b *testing.B) {
	bl := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 455000000000000001, 455000000000000002)
	bl.PrewriteKey = []byte("t\x80\x00\x00\x00\x00\x00\x00\x6a_r\x80\x00\x00\x00\x00\x00\x00\x01")
	bl.PrewriteValue = make([]byte, 1800)
	payload, err := proto.Marshal(bl)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeBinlog(payload, new(binlogpb.Binlog)); err != nil {
			b.Fatal(err)
		}
	}
}
