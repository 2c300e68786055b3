package drainer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/push"
	"go.uber.org/zap"
)

// maxHeartbeatFailures consecutive heartbeat failures shut the drainer down.
const maxHeartbeatFailures = 20

// updateTS is a fresh TSO, or the local clock in TSO form when PD does not answer.
func (s *Server) updateTS(ctx context.Context) int64 {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if ts, err := s.pd.TSO(ctx); err == nil {
		return ts
	}
	return pd.TimeToTS(time.Now())
}

// registerNode writes this node's status; MaxCommitTS is the checkpoint.
func (s *Server) registerNode(ctx context.Context, state string) error {
	st := &registry.Status{
		NodeID:      s.node.ID(),
		Addr:        s.node.Addr(),
		State:       state,
		MaxCommitTS: s.syncerCheckpointTS(),
		UpdateTS:    s.updateTS(ctx),
	}
	if err := s.reg.UpdateNode(ctx, registry.KindDrainer, st); err != nil {
		return fmt.Errorf("update drainer %s to %s: %w", s.node.ID(), state, err)
	}
	return nil
}

func (s *Server) syncerCheckpointTS() int64 {
	if s.syncer != nil {
		return s.syncer.CheckpointTS()
	}
	return s.cp.TS()
}

// heartbeatLoop refreshes the node status every second; after 20
// consecutive failures it returns ErrHeartbeat, which closes the drainer.
func (s *Server) heartbeatLoop(ctx context.Context) error {
	t := time.NewTicker(s.opts.heartbeat)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		hctx, cancel := context.WithTimeout(ctx, registry.DefaultDialTimeout)
		err := s.registerNode(hctx, s.node.State())
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			failures = 0
			continue
		}
		failures++
		s.lg.Warn("send heartbeat failed", zap.Int("consecutiveFailures", failures), zap.Error(err))
		if failures >= maxHeartbeatFailures {
			return fmt.Errorf("%w: %w", ErrHeartbeat, err)
		}
	}
}

// commitStatus records the final state on exit: online and pausing become
// paused, closing becomes offline.
func (s *Server) commitStatus() {
	var state string
	switch cur := s.node.State(); cur {
	case registry.Online, registry.Pausing:
		state = registry.Paused
	case registry.Closing:
		state = registry.Offline
	default:
		state = cur
	}
	s.node.SetState(state)
	ctx, cancel := context.WithTimeout(context.Background(), registry.DefaultDialTimeout)
	defer cancel()
	if err := s.registerNode(ctx, state); err != nil {
		s.lg.Error("commit node state failed", zap.Error(err))
		return
	}
	s.lg.Info("commit node state", zap.String("state", state), zap.Int64("maxCommitTS", s.syncerCheckpointTS()))
}

// metricsLoop pushes metrics to the push gateway when configured.
func (s *Server) metricsLoop(ctx context.Context) error {
	addr := s.cfg.MetricsAddr
	if addr == "" || s.cfg.MetricsInterval <= 0 {
		return nil
	}
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	pusher := push.New(addr, "binlog").Gatherer(s.promReg).Grouping("instance", s.node.ID())
	t := time.NewTicker(time.Duration(s.cfg.MetricsInterval) * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := pusher.PushContext(ctx); err != nil && ctx.Err() == nil {
				s.lg.Warn("push metrics failed", zap.String("addr", addr), zap.Error(err))
			}
		}
	}
}

// newProcessRegistry returns a registry with the process and Go collectors.
func newProcessRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return reg
}
