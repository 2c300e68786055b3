package pump

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus/push"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// DrainerLag reports a non-offline drainer whose checkpoint is below the
// pump's GC point: binlogs it has not consumed were purged.
type DrainerLag struct {
	NodeID      string `json:"nodeId"`
	MaxCommitTS int64  `json:"maxCommitTS"`
	GCTS        int64  `json:"gcTS"`
}

func (s *Server) startLoops() {
	loops := []func(){s.fakeBinlogLoop, s.gcLoop, s.drainerCheckLoop, s.infoLoop}
	if s.cfg.MetricsAddr != "" && s.cfg.MetricsInterval > 0 {
		loops = append(loops, s.pushMetricsLoop)
	}
	for _, loop := range loops {
		s.loops.Add(1)
		go func() {
			defer s.loops.Done()
			loop()
		}()
	}
}

// fakeBinlogLoop writes a fake binlog when no write arrived during the last
// gen-binlog-interval, so that drainers can advance past this idle pump.
func (s *Server) fakeBinlogLoop() {
	last := s.lastWrite.Load()
	every(s.ctx, s.cfg.GenBinlogInterval.Duration, nil, func() {
		if s.lastWrite.Load() == last {
			if _, err := s.writeFakeBinlog(s.ctx); err != nil && s.ctx.Err() == nil {
				s.fakeFailures.Fail(err)
			} else if err == nil {
				s.fakeFailures.OK()
			}
		}
		last = s.lastWrite.Load()
	})
}

// writeFakeBinlog writes Binlog{tp=Rollback, start=commit=t} with a fresh
// TSO t through the normal write path.
func (s *Server) writeFakeBinlog(ctx context.Context) (*binlogpb.Binlog, error) {
	ts, err := s.tso(ctx)
	if err != nil {
		return nil, fmt.Errorf("generate fake binlog: %w", err)
	}
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, ts, ts)
	payload, err := proto.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("marshal fake binlog: %w", err)
	}
	req := &binlogpb.WriteBinlogReq{ClusterID: s.clusterID, Payload: payload}
	if _, err := s.writeBinlog(ctx, req, true); err != nil {
		return nil, fmt.Errorf("write fake binlog: %w", err)
	}
	return b, nil
}

// gcLoop asks the storage to purge binlogs older than gc every gc interval,
// or at once when /debug/gc/trigger is called.
func (s *Server) gcLoop() { every(s.ctx, s.opts.timings.gcInterval, s.triggerGC, s.gc) }

func (s *Server) gc() {
	gcTS := tso.FromTime(time.Now().Add(-s.cfg.GC.Duration))
	s.lg.Info("send gc request to storage", zap.Int64("gcTS", gcTS))
	s.store.GC(gcTS)
	s.checkDrainers(s.ctx)
}

func (s *Server) drainerCheckLoop() {
	every(s.ctx, s.opts.timings.drainerCheck, nil, func() { s.checkDrainers(s.ctx) })
}

// checkDrainers reports every non-offline drainer whose checkpoint is below
// the GC point (error log, metric, /status) and warns about those that are
// within the early-alert window of it.
func (s *Server) checkDrainers(ctx context.Context) {
	gcTS := s.store.GCTS()
	if gcTS <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, registry.DefaultDialTimeout)
	defer cancel()
	drainers, _, err := s.reg.Nodes(ctx, registry.KindDrainer)
	if err != nil {
		s.lg.Error("list drainers failed", zap.Error(err))
		return
	}
	alertTS := gcTS + tso.Compose(s.opts.timings.earlyGCAlert.Milliseconds(), 0)
	lagging := []DrainerLag{}
	for _, d := range drainers {
		switch {
		case d.State == registry.Offline:
		case d.MaxCommitTS < gcTS:
			s.lg.Error("drainer's checkpoint is older than pump gc ts, some binlogs are purged",
				zap.String("drainer", d.NodeID), zap.Int64("gcTS", gcTS), zap.Int64("drainerCheckpoint", d.MaxCommitTS))
			s.metrics.drainerPurge.WithLabelValues(d.NodeID).Inc()
			lagging = append(lagging, DrainerLag{NodeID: d.NodeID, MaxCommitTS: d.MaxCommitTS, GCTS: gcTS})
		case d.MaxCommitTS < alertTS:
			s.lg.Warn("drainer's checkpoint is close to pump gc ts, binlogs will be purged soon",
				zap.String("drainer", d.NodeID), zap.Int64("gcTS", gcTS), zap.Int64("drainerCheckpoint", d.MaxCommitTS))
		}
	}
	s.lagging.Store(&lagging)
}

// laggingDrainers returns the result of the last drainer check.
func (s *Server) laggingDrainers() []DrainerLag {
	if p := s.lagging.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Server) infoLoop() {
	every(s.ctx, s.opts.timings.infoLog, nil, func() {
		s.lg.Info("server info tick",
			zap.Int64("writeBinlogCount", s.writeCount.Load()),
			zap.Int64("alivePullerCount", s.pullerCount.Load()),
			zap.Int64("maxCommitTS", s.store.MaxCommitTS()))
	})
}

// pushMetricsLoop pushes the metrics to the push gateway, job "binlog",
// grouping instance=<nodeID>.
func (s *Server) pushMetricsLoop() {
	addr := s.cfg.MetricsAddr
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	pusher := push.New(addr, "binlog").Gatherer(s.promReg).Grouping("instance", s.node.ID())
	every(s.ctx, time.Duration(s.cfg.MetricsInterval)*time.Second, nil, func() {
		if err := pusher.PushContext(s.ctx); err != nil && s.ctx.Err() == nil {
			s.lg.Warn("push metrics failed", zap.String("addr", addr), zap.Error(err))
		}
	})
}
