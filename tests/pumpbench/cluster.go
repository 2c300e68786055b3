package main

import (
	"context"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// cluster is a pd-lite and a pump started as processes for one benchmark cell.
type cluster struct {
	pd   *testcluster.PDLite
	pump *testcluster.Pump
}

func startCluster(ctx context.Context, o *options, dir string) (*cluster, error) {
	pd, err := testcluster.StartPDLite(ctx, o.binDir, dir)
	if err != nil {
		return nil, err
	}
	toml := fmt.Sprintf("log-level = \"warn\"\n[storage]\nsync-log = %v\n", o.syncLog)
	pump, err := testcluster.StartPump(ctx, o.binDir, dir, pd, "pump", testcluster.PumpOptions{TOML: toml})
	if err != nil {
		_ = pd.Stop(10 * time.Second)
		return nil, err
	}
	return &cluster{pd: pd, pump: pump}, nil
}

func (c *cluster) stop() {
	_ = c.pump.Stop(15 * time.Second)
	_ = c.pd.Stop(10 * time.Second)
}
