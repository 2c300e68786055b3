package pumpclient

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// watchLoop applies registry changes until the client closes.
func (c *PumpsClient) watchLoop(events <-chan registry.Event) {
	for {
		select {
		case <-c.ctx.Done():
			for range events {
				// Drain until the registry's watcher has exited.
			}
			return
		case ev, ok := <-events:
			if !ok {
				if c.ctx.Err() == nil {
					c.lg.Warn("pump watch ended")
				}
				return
			}
			c.applyEvent(ev)
		}
	}
}

func (c *PumpsClient) applyEvent(ev registry.Event) {
	switch ev.Type {
	case registry.EventPut:
		if ev.Status != nil {
			c.putPump(ev.Status)
		}
	case registry.EventDelete:
		c.removePump(ev.NodeID)
	}
}

// detectLoop probes the unavailable online pumps every detect interval.
func (c *PumpsClient) detectLoop() {
	t := time.NewTicker(c.opts.detectInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.detectOnce()
		}
	}
}

// detectOnce sends the empty probe request to each unavailable online pump
// and makes those that answer available again.
func (c *PumpsClient) detectOnce() {
	req := &binlogpb.WriteBinlogReq{ClusterID: c.clusterID}
	for _, p := range c.probeCandidates() {
		p.resetIfBroken()
		if _, err := c.attempt(p, req, typeProbe, c.timeout); err != nil {
			c.lg.Debug("probe pump failed", zap.String("nodeID", p.nodeID), zap.Error(err))
			continue
		}
		c.lg.Info("probe pump succeeded", zap.String("nodeID", p.nodeID))
		c.setAvailable(p, true)
	}
}

// cleanupLoop expires the start_ts → pump entries whose commit binlog never came.
func (c *PumpsClient) cleanupLoop() {
	t := time.NewTicker(c.ts.cleanupInterval())
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-t.C:
			if n := c.ts.expire(now); n > 0 {
				c.lg.Warn("forgot prewrite binlogs whose commit binlog never came", zap.Int("count", n))
			}
			c.m.pendingCommits.Set(float64(c.ts.len()))
		}
	}
}

// sleep waits d; false when the client closed first.
func (c *PumpsClient) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
