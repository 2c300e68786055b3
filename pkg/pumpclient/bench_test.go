package pumpclient

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// BenchmarkWriteOverhead compares a transaction (prewrite + commit binlog,
// 1 KiB prewrite value) written through the client with the same two raw
// gRPC WriteBinlog calls on one connection, against the same fake pump
// (which stores nothing), so that the difference is the client's own cost.
// (The client against real pumps is tested in tests/pump_client_*_test.go.)
func BenchmarkWriteOverhead(b *testing.B) {
	c := newTestCluster(b)
	f := startFakePump(b)
	c.setPump("pump-bench", f.addr, registry.Online)
	cli := c.newClient(Range, 10*time.Second)
	require.Eventually(b, func() bool { return cli.availableCount() == 1 }, waitFor, tick)
	var next atomic.Int64
	next.Store(time.Now().UnixMilli() << 18)
	value := make([]byte, 1024)

	conn, err := grpc.NewClient("passthrough:///"+f.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(b, err)
	defer conn.Close()
	raw := binlogpb.NewPumpClient(conn)
	rawWrite := func(bl *binlogpb.Binlog) error {
		payload, err := proto.Marshal(bl)
		if err != nil {
			return err
		}
		_, err = raw.WriteBinlog(context.Background(), &binlogpb.WriteBinlogReq{ClusterID: cli.ClusterID(), Payload: payload})
		return err
	}
	txn := func(write func(*binlogpb.Binlog) error) error {
		start := next.Add(2)
		pre := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)
		pre.PrewriteValue = value
		if err := write(pre); err != nil {
			return err
		}
		return write(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, start+1))
	}
	variants := []struct {
		name  string
		write func(*binlogpb.Binlog) error
	}{{"client", cli.WriteBinlog}, {"raw", rawWrite}}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				if err := txn(v.write); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"-parallel", func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := txn(v.write); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
