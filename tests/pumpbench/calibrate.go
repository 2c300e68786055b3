package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// calibration describes the machine, so that results from machines of
// different speed can be compared: the pump issue quotes its reference
// disk at about 4,000 fdatasyncs/s of 1 KiB and 230 MiB/s sequential.
type calibration struct {
	syncsPerSec float64       // append 1 KiB + fdatasync, one at a time
	seqMiBps    float64       // 64 MiB in 1 MiB writes, then one fdatasync
	probeRTT    time.Duration // p50 of the pump's empty WriteBinlog probe
	tso         time.Duration // p50 of one TSO request to pd-lite
}

func (c calibration) String() string {
	return fmt.Sprintf("machine: %.0f fdatasyncs/s of 1 KiB, %.0f MiB/s sequential, gRPC probe round trip p50 %s, TSO p50 %s",
		c.syncsPerSec, c.seqMiBps, dur(c.probeRTT), dur(c.tso))
}

func calibrate(ctx context.Context, o *options, dir string) (calibration, error) {
	var c calibration
	var err error
	if c.syncsPerSec, err = measureSyncs(dir, 1000); err != nil {
		return c, err
	}
	if c.seqMiBps, err = measureSequential(dir, 64); err != nil {
		return c, err
	}
	cl, err := startCluster(ctx, o, filepath.Join(dir, "calibrate"))
	if err != nil {
		return c, err
	}
	defer cl.stop()
	pdc, err := pd.NewClient(ctx, []string{cl.pd.URL}, security.Config{}, zap.NewNop())
	if err != nil {
		return c, err
	}
	defer pdc.Close()
	conn, err := grpc.NewClient(cl.pump.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return c, err
	}
	defer conn.Close()
	cli := binlogpb.NewPumpClient(conn)
	probe := &binlogpb.WriteBinlogReq{ClusterID: pdc.ClusterID()}
	if c.probeRTT, err = p50(2000, func() error { _, err := cli.WriteBinlog(ctx, probe); return err }); err != nil {
		return c, err
	}
	c.tso, err = p50(2000, func() error { _, err := pdc.TSO(ctx); return err })
	return c, err
}

func measureSyncs(dir string, n int) (float64, error) {
	f, err := os.CreateTemp(dir, "sync")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 1024)
	start := time.Now()
	for range n {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func measureSequential(dir string, mib int) (float64, error) {
	f, err := os.CreateTemp(dir, "seq")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 1<<20)
	start := time.Now()
	for range mib {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return 0, err
	}
	return float64(mib) / time.Since(start).Seconds(), nil
}

// p50 runs call n times in a row and returns the median duration.
func p50(n int, call func() error) (time.Duration, error) {
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		if err := call(); err != nil {
			return 0, err
		}
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	return pct(lat, 0.5), nil
}
