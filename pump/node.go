package pump

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// nodeIDFile holds the node ID inside the data directory.
const nodeIDFile = ".node"

// node is this pump's identity and in-memory state.
type node struct {
	id string

	mu    sync.Mutex
	addr  string
	state string
}

func newNode(id, addr string) *node { return &node{id: id, addr: addr, state: registry.Paused} }

func (n *node) State() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

func (n *node) setState(state string) {
	n.mu.Lock()
	n.state = state
	n.mu.Unlock()
}

// transition moves from `from` to `to` and reports whether the state was `from`.
func (n *node) transition(from, to string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != from {
		return n.state, false
	}
	n.state = to
	return to, true
}

func (n *node) Addr() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addr
}

func (n *node) setAddr(addr string) {
	n.mu.Lock()
	n.addr = addr
	n.mu.Unlock()
}

// resolveNodeID returns the node ID: the content of <dataDir>/.node when it
// exists (it wins over the flag, with a warning), else the flag, else
// hostname:port, which is then written to <dataDir>/.node.
func resolveNodeID(dataDir, flagID, listenAddr string, lg *zap.Logger) (string, error) {
	path := filepath.Join(dataDir, nodeIDFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(b)) != "":
		id := strings.TrimSpace(string(b))
		if flagID != "" && flagID != id {
			lg.Warn("node id in the data directory wins over the configured one; delete the .node file to change it",
				zap.String("file", path), zap.String("nodeID", id), zap.String("configured", flagID))
		}
		return id, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read node id: %w", err)
	}
	if flagID != "" {
		return flagID, nil
	}
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("generate node id: %w", err)
	}
	_, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("generate node id from %q: %w", listenAddr, err)
	}
	id := host + ":" + port
	if err := os.WriteFile(path, []byte(id), 0o644); err != nil {
		return "", fmt.Errorf("write node id: %w", err)
	}
	return id, nil
}

// tso returns a fresh timestamp from PD.
func (s *Server) tso(ctx context.Context) (int64, error) {
	begin := time.Now()
	ts, err := s.pd.TSO(ctx)
	if err != nil {
		return 0, fmt.Errorf("get tso: %w", err)
	}
	if d := time.Since(begin); d > 30*time.Millisecond {
		s.lg.Warn("get timestamp too slow", zap.Duration("took", d))
	}
	return ts, nil
}

// updateTS is the heartbeat's UpdateTS: a fresh TSO, or the local clock in
// TSO form when PD does not answer.
func (s *Server) updateTS(ctx context.Context) int64 {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if ts, err := s.tso(ctx); err == nil {
		return ts
	}
	return tso.FromTime(time.Now())
}

// registerNode writes this node's status with the given state.
func (s *Server) registerNode(ctx context.Context, state string, updateTS int64) error {
	st := &registry.Status{
		NodeID:      s.node.id,
		Addr:        s.node.Addr(),
		State:       state,
		IsAlive:     true, // the original pump always writes true
		MaxCommitTS: s.store.MaxCommitTS(),
		UpdateTS:    updateTS,
	}
	if err := s.reg.UpdateNode(ctx, registry.KindPump, st); err != nil {
		return fmt.Errorf("update node %s to %s: %w", s.node.id, state, err)
	}
	return nil
}

// heartbeatLoop refreshes the node status every heartbeat-interval.
func (s *Server) heartbeatLoop() {
	defer s.loops.Done()
	t := time.NewTicker(s.cfg.heartbeatInterval())
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.heartbeat()
		}
	}
}

func (s *Server) heartbeat() {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.heartbeatInterval()+registry.DefaultDialTimeout)
	defer cancel()
	if err := s.registerNode(ctx, s.node.State(), s.updateTS(ctx)); err != nil && s.ctx.Err() == nil {
		s.lg.Error("send heartbeat failed", zap.Error(err))
	}
}

// notifyDrainers calls Cistern.Notify on every online drainer.
func (s *Server) notifyDrainers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.timings.notifyTimeout)
	defer cancel()
	drainers, _, err := s.reg.Nodes(ctx, registry.KindDrainer)
	if err != nil {
		return fmt.Errorf("%w: list drainers: %w", ErrNotifyDrainer, err)
	}
	for _, d := range drainers {
		if d.State != registry.Online {
			continue
		}
		if err := s.notifyDrainer(ctx, stripScheme(d.Addr)); err != nil {
			return fmt.Errorf("%w %s at %s: %w", ErrNotifyDrainer, d.NodeID, d.Addr, err)
		}
		s.lg.Info("notified drainer", zap.String("drainer", d.NodeID), zap.String("addr", d.Addr))
	}
	return nil
}

func (s *Server) notifyDrainer(ctx context.Context, addr string) error {
	creds := insecure.NewCredentials()
	if s.tlsCfg != nil {
		creds = credentials.NewTLS(s.tlsCfg.Clone())
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	cli := binlogpb.NewCisternClient(conn)
	t := s.opts.timings
	return retry(ctx, t.notifyAttempts, t.notifyBackoff, func() error {
		_, err := cli.Notify(ctx, &binlogpb.NotifyReq{})
		return err
	})
}

// retry calls f up to attempts times, waiting backoff (doubled each time)
// between attempts; it returns f's last error or ctx's.
func retry(ctx context.Context, attempts int, backoff time.Duration, f func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = f(); err == nil {
			return nil
		}
		if i == attempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	return err
}

// commitStatus records the final state on exit: online and pausing become
// paused; closing waits until going offline is safe, then records offline.
func (s *Server) commitStatus() {
	var state string
	switch cur := s.node.State(); cur {
	case registry.Online, registry.Pausing:
		state = registry.Paused
	case registry.Closing:
		if err := s.waitSafeToOffline(context.Background()); err != nil {
			s.lg.Error("wait safe to offline failed", zap.Error(err))
		}
		s.lg.Info("safe to go offline now")
		state = registry.Offline
	default:
		s.lg.Warn("unexpected node state on exit", zap.String("state", cur))
		state = cur
	}
	s.node.setState(state)
	ctx, cancel := context.WithTimeout(context.Background(), registry.DefaultDialTimeout)
	defer cancel()
	if err := s.registerNode(ctx, state, s.updateTS(ctx)); err != nil {
		s.lg.Error("commit node state failed", zap.Error(err))
		return
	}
	s.lg.Info("commit node state", zap.String("state", state))
}

// waitSafeToOffline returns once every binlog of this pump is matched and
// every non-offline drainer has consumed up to this pump's max commit ts.
func (s *Server) waitSafeToOffline(ctx context.Context) error {
	every := s.opts.timings.offlineCheck
	var fake *binlogpb.Binlog
	err := untilSuccess(ctx, every, func() error {
		var err error
		fake, err = s.writeFakeBinlog(ctx)
		if err != nil {
			s.lg.Warn("write fake binlog failed", zap.Error(err))
		}
		return err
	})
	if err != nil {
		return err
	}
	err = untilSuccess(ctx, every, func() error {
		if s.store.MaxCommitTS() < fake.GetCommitTs() || !s.store.AllMatched() {
			return errors.New("storage has not caught up")
		}
		return nil
	})
	if err != nil {
		return err
	}
	maxCommitTS := s.store.MaxCommitTS()
	return untilSuccess(ctx, every, func() error {
		minTS, err := s.minDrainerCommitTS(ctx)
		if err != nil {
			s.lg.Warn("list drainers failed", zap.Error(err))
			return err
		}
		if minTS >= maxCommitTS {
			return nil
		}
		s.lg.Warn("waiting for drainers to consume this pump's binlogs",
			zap.Int64("minDrainerMaxCommitTS", minTS), zap.Int64("maxCommitTS", maxCommitTS))
		if _, err := s.writeFakeBinlog(ctx); err != nil {
			s.lg.Warn("write fake binlog failed", zap.Error(err))
		}
		return errors.New("drainers behind")
	})
}

// minDrainerCommitTS is the smallest MaxCommitTS of the non-offline drainers
// (MaxInt64 when there is none).
func (s *Server) minDrainerCommitTS(ctx context.Context) (int64, error) {
	drainers, _, err := s.reg.Nodes(ctx, registry.KindDrainer)
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

// untilSuccess calls f immediately and then every interval until it succeeds
// or ctx ends.
func untilSuccess(ctx context.Context, interval time.Duration, f func() error) error {
	for {
		if f() == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
