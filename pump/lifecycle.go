package pump

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// lifecycle is the node side of a pump: its registry record, the
// heartbeat, the final state on exit (waiting until going offline is safe)
// and notifying the drainers. It depends only on what it uses: the node
// state, the registry, a TSO, the watermark and a way to write a fake
// binlog.
type lifecycle struct {
	node      *registry.LocalNode
	reg       nodeRegistry
	ts        tsoSource
	store     watermark
	writeFake func(ctx context.Context) (int64, error) // returns the fake binlog's ts
	tlsCfg    *tls.Config                              // to dial drainers (nil: plaintext)
	heartbeat time.Duration
	timings   timings
	lg        *zap.Logger
}

// updateTS is the heartbeat's UpdateTS: a fresh TSO, or the local clock in
// TSO form when PD does not answer.
func (l *lifecycle) updateTS(ctx context.Context) int64 {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if ts, err := l.ts.TSO(ctx); err == nil {
		return ts
	}
	return tso.FromTime(time.Now())
}

// register writes this node's status with the given state.
func (l *lifecycle) register(ctx context.Context, state string, updateTS int64) error {
	st := &registry.Status{
		NodeID:      l.node.ID(),
		Addr:        l.node.Addr(),
		State:       state,
		IsAlive:     true, // the original pump always writes true
		MaxCommitTS: l.store.MaxCommitTS(),
		UpdateTS:    updateTS,
	}
	if err := l.reg.UpdateNode(ctx, registry.KindPump, st); err != nil {
		return fmt.Errorf("update node %s to %s: %w", l.node.ID(), state, err)
	}
	return nil
}

// heartbeatLoop refreshes the node status every heartbeat interval until
// ctx ends.
func (l *lifecycle) heartbeatLoop(ctx context.Context) {
	every(ctx, l.heartbeat, nil, func() {
		hctx, cancel := context.WithTimeout(ctx, l.heartbeat+registry.DefaultDialTimeout)
		defer cancel()
		if err := l.register(hctx, l.node.State(), l.updateTS(hctx)); err != nil && ctx.Err() == nil {
			l.lg.Error("send heartbeat failed", zap.Error(err))
		}
	})
}

// notifyDrainers calls Cistern.Notify on every online drainer.
func (l *lifecycle) notifyDrainers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.timings.notifyTimeout)
	defer cancel()
	drainers, _, err := l.reg.Nodes(ctx, registry.KindDrainer)
	if err != nil {
		return fmt.Errorf("%w: list drainers: %w", ErrNotifyDrainer, err)
	}
	for _, d := range drainers {
		if d.State != registry.Online {
			continue
		}
		if err := l.notifyDrainer(ctx, config.StripScheme(d.Addr)); err != nil {
			return fmt.Errorf("%w %s at %s: %w", ErrNotifyDrainer, d.NodeID, d.Addr, err)
		}
		l.lg.Info("notified drainer", zap.String("drainer", d.NodeID), zap.String("addr", d.Addr))
	}
	return nil
}

func (l *lifecycle) notifyDrainer(ctx context.Context, addr string) error {
	creds := insecure.NewCredentials()
	if l.tlsCfg != nil {
		creds = credentials.NewTLS(l.tlsCfg.Clone())
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	cli := binlogpb.NewCisternClient(conn)
	return retry(ctx, retryPolicy{attempts: l.timings.notifyAttempts, backoff: l.timings.notifyBackoff, factor: 2},
		func() error {
			_, err := cli.Notify(ctx, &binlogpb.NotifyReq{})
			return err
		})
}

// commitStatus records the final state on exit: online and pausing become
// paused; closing waits until going offline is safe, then records offline.
func (l *lifecycle) commitStatus() {
	var state string
	switch cur := l.node.State(); cur {
	case registry.Online, registry.Pausing:
		state = registry.Paused
	case registry.Closing:
		if err := l.waitSafeToOffline(context.Background()); err != nil {
			l.lg.Error("wait safe to offline failed", zap.Error(err))
		}
		l.lg.Info("safe to go offline now")
		state = registry.Offline
	default:
		l.lg.Warn("unexpected node state on exit", zap.String("state", cur))
		state = cur
	}
	l.node.SetState(state)
	ctx, cancel := context.WithTimeout(context.Background(), registry.DefaultDialTimeout)
	defer cancel()
	if err := l.register(ctx, state, l.updateTS(ctx)); err != nil {
		l.lg.Error("commit node state failed", zap.Error(err))
		return
	}
	l.lg.Info("commit node state", zap.String("state", state))
}

// waitSafeToOffline returns once every binlog of this pump is matched and
// every non-offline drainer has consumed up to this pump's max commit ts.
func (l *lifecycle) waitSafeToOffline(ctx context.Context) error {
	poll := retryPolicy{backoff: l.timings.offlineCheck}
	var fakeTS int64
	err := retry(ctx, poll, func() error {
		var err error
		if fakeTS, err = l.writeFake(ctx); err != nil {
			l.lg.Warn("write fake binlog failed", zap.Error(err))
		}
		return err
	})
	if err != nil {
		return err
	}
	err = retry(ctx, poll, func() error {
		if l.store.MaxCommitTS() < fakeTS || !l.store.AllMatched() {
			return errors.New("storage has not caught up")
		}
		return nil
	})
	if err != nil {
		return err
	}
	maxCommitTS := l.store.MaxCommitTS()
	return retry(ctx, poll, func() error {
		minTS, err := l.minDrainerCommitTS(ctx)
		if err != nil {
			l.lg.Warn("list drainers failed", zap.Error(err))
			return err
		}
		if minTS >= maxCommitTS {
			return nil
		}
		l.lg.Warn("waiting for drainers to consume this pump's binlogs",
			zap.Int64("minDrainerMaxCommitTS", minTS), zap.Int64("maxCommitTS", maxCommitTS))
		if _, err := l.writeFake(ctx); err != nil {
			l.lg.Warn("write fake binlog failed", zap.Error(err))
		}
		return errors.New("drainers behind")
	})
}

// minDrainerCommitTS is the smallest MaxCommitTS of the non-offline drainers
// (MaxInt64 when there is none).
func (l *lifecycle) minDrainerCommitTS(ctx context.Context) (int64, error) {
	drainers, _, err := l.reg.Nodes(ctx, registry.KindDrainer)
	if err != nil {
		return 0, err
	}
	minTS := int64(math.MaxInt64)
	for _, d := range drainers {
		if d.State != registry.Offline && d.MaxCommitTS < minTS {
			minTS = d.MaxCommitTS
		}
	}
	return minTS, nil
}
