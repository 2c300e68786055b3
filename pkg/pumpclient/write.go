package pumpclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// WriteBinlog writes one binlog.
//
// A prewrite binlog goes to a pump chosen by the strategy, retried across
// pumps until the write timeout has passed and every available pump was
// tried; then every online pump is tried once more. The error is returned
// to the caller (TiDB fails the transaction).
//
// A commit or rollback binlog goes to the pump that stored its prewrite,
// retried for the commit timeout. It never returns an error: a commit
// binlog that cannot be written is logged and dropped, and the pump
// resolves the transaction by itself.
func (c *PumpsClient) WriteBinlog(b *binlogpb.Binlog) error {
	if !c.enter() {
		return ErrClosed
	}
	defer c.wg.Done()
	payload, err := proto.Marshal(b)
	if err != nil {
		return fmt.Errorf("marshal binlog: %w", err)
	}
	req := &binlogpb.WriteBinlogReq{ClusterID: c.clusterID, Payload: payload}
	if b.GetTp() == binlogpb.BinlogType_Prewrite {
		err := c.writePrewrite(b, req)
		if err != nil {
			c.m.failedPrewrites.Inc()
		}
		return err
	}
	c.writeCommit(b, req)
	return nil
}

func (c *PumpsClient) writePrewrite(b *binlogpb.Binlog, req *binlogpb.WriteBinlogReq) error {
	start := time.Now()
	available := c.availableCount()
	var lastErr error
	for retry := 0; ; retry++ {
		p := c.sel.selectPump(b, retry)
		if p == nil {
			lastErr = ErrNoAvailablePump
			break
		}
		gen, err := c.attempt(p, req, typePrewrite, c.attemptTimeout(start))
		if err == nil {
			c.ts.put(b.GetStartTs(), p.nodeID, time.Now())
			return nil
		}
		lastErr = err
		c.lg.Warn("write binlog to pump failed", zap.String("nodeID", p.nodeID), zap.String("binlogType", typePrewrite),
			zap.Int64("startTS", b.GetStartTs()), zap.Int("length", len(req.Payload)), zap.Error(err))
		if status.Code(err) == codes.ResourceExhausted {
			return fmt.Errorf("write binlog: %w: %w", ErrBinlogTooLarge, err)
		}
		c.afterFailure(p, gen, err)
		if c.ctx.Err() != nil {
			return ErrClosed
		}
		if time.Since(start) > c.timeout && retry+1 > available {
			break
		}
		if !c.sleep(c.ctx, c.opts.retryInterval) {
			return ErrClosed
		}
	}
	if p := c.writeToAnyOnline(req); p != nil {
		c.ts.put(b.GetStartTs(), p.nodeID, time.Now())
		return nil
	}
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	return fmt.Errorf("write binlog failed, the last error %w", lastErr)
}

// attemptTimeout is the RPC timeout of one prewrite attempt: what is left of
// the write timeout, but at least a quarter of it, so the attempts that must
// still be made after the timeout (every pump gets one) stay short.
func (c *PumpsClient) attemptTimeout(start time.Time) time.Duration {
	return min(max(c.timeout-time.Since(start), c.timeout/4), c.timeout)
}

// afterFailure drops a connection gRPC reports as unavailable, and moves a
// pump that failed too often in a row out of the available set.
func (c *PumpsClient) afterFailure(p *pumpNode, gen uint64, err error) {
	if status.Code(err) == codes.Unavailable {
		p.resetConn(gen)
	}
	if !p.usable(c.opts.maxErrNum) {
		c.setAvailable(p, false)
	}
}

// writeToAnyOnline tries every online pump once on a fresh connection,
// including those marked unavailable; the first that accepts becomes
// available again.
func (c *PumpsClient) writeToAnyOnline(req *binlogpb.WriteBinlogReq) *pumpNode {
	c.lg.Info("write binlog to available pumps failed, trying every online pump")
	for _, p := range c.onlinePumps() {
		if c.ctx.Err() != nil {
			return nil
		}
		p.resetConn(currentGen(p))
		if _, err := c.attempt(p, req, typePrewrite, c.timeout/4); err != nil {
			c.lg.Warn("try write binlog failed", zap.String("nodeID", p.nodeID), zap.Error(err))
			continue
		}
		c.setAvailable(p, true)
		return p
	}
	return nil
}

func currentGen(p *pumpNode) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// writeCommit sends a commit/rollback binlog to its prewrite's pump,
// retrying every commit retry interval until the commit timeout.
func (c *PumpsClient) writeCommit(b *binlogpb.Binlog, req *binlogpb.WriteBinlogReq) {
	typ := typeCommit
	if b.GetTp() == binlogpb.BinlogType_Rollback {
		typ = typeRollback
	}
	nodeID, ok := c.ts.get(b.GetStartTs())
	if !ok {
		c.commitLogger(b, typ).Warn("no pump holds the prewrite binlog of this commit binlog, dropping it")
		c.m.droppedCommits.WithLabelValues("no_prewrite").Inc()
		return
	}
	deadline := time.Now().Add(c.opts.commitTimeout)
	for {
		err := errPumpRemoved
		if p := c.pumpByID(nodeID); p != nil {
			var gen uint64
			gen, err = c.attempt(p, req, typ, c.timeout)
			if err == nil {
				c.ts.remove(b.GetStartTs())
				return
			}
			c.afterFailure(p, gen, err)
		}
		lg := c.commitLogger(b, typ).With(zap.String("nodeID", nodeID))
		lg.Warn("write binlog to pump failed", zap.Error(err))
		if !time.Now().Before(deadline) {
			lg.Error("give up writing commit binlog", zap.Duration("timeout", c.opts.commitTimeout))
			c.m.droppedCommits.WithLabelValues("timeout").Inc()
			c.ts.remove(b.GetStartTs())
			return
		}
		if !c.sleep(c.ctx, min(c.opts.commitRetryInterval, time.Until(deadline))) {
			lg.Warn("client closed before the commit binlog was written")
			c.m.droppedCommits.WithLabelValues("closed").Inc()
			return
		}
	}
}

func (c *PumpsClient) commitLogger(b *binlogpb.Binlog, typ string) *zap.Logger {
	return c.lg.With(zap.String("binlogType", typ), zap.Int64("startTS", b.GetStartTs()), zap.Int64("commitTS", b.GetCommitTs()))
}

// attempt sends req to p once, with a timeout, and records metrics.
func (c *PumpsClient) attempt(p *pumpNode, req *binlogpb.WriteBinlogReq, typ string, timeout time.Duration) (uint64, error) {
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	start := time.Now()
	gen, err := p.write(ctx, req)
	cancel()
	pm := p.metricsFor(c.m, typ)
	pm.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		pm.failures.Inc()
		if errors.Is(err, errPumpRemoved) {
			return gen, err
		}
		return gen, fmt.Errorf("write binlog to pump %s: %w", p.nodeID, err)
	}
	pm.writes.Inc()
	return gen, nil
}
