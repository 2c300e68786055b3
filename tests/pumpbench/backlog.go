package main

import (
	"context"
	"time"

	"google.golang.org/grpc"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// backlogTimeout bounds the backlog pull of one cell.
const backlogTimeout = 2 * time.Minute

// pullBacklog pulls the cell's binlogs again from the beginning, after the
// writes, as a drainer catching up does: it returns the commit binlogs per
// second and the pump's CPU microseconds per commit until want real commits
// arrived (0, 0 if they did not within backlogTimeout).
func pullBacklog(ctx context.Context, c *cluster, conn *grpc.ClientConn, clusterID uint64, want int64) (rate, cpuUS float64) {
	if want == 0 {
		return 0, 0
	}
	ctx, cancel := context.WithTimeout(ctx, backlogTimeout)
	defer cancel()
	cpu0 := processCPU(c.pump.Pid())
	start := time.Now()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx,
		&binlogpb.PullBinlogReq{ClusterID: clusterID, StartFrom: &binlogpb.Pos{}})
	if err != nil {
		return 0, 0
	}
	var got int64
	for got < want {
		resp, err := stream.Recv()
		if err != nil {
			return 0, 0
		}
		if _, ok := realCommit(resp); ok {
			got++
		}
	}
	elapsed := time.Since(start)
	cpu := processCPU(c.pump.Pid()) - cpu0
	return float64(got) / elapsed.Seconds(), float64(cpu.Microseconds()) / float64(got)
}
