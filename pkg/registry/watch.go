package registry

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// EventType tells what happened to a node key.
type EventType int

// Event types.
const (
	EventPut EventType = iota
	EventDelete
)

func (t EventType) String() string {
	if t == EventDelete {
		return "delete"
	}
	return "put"
}

// Event is one change of a node key.
type Event struct {
	Type     EventType
	NodeID   string
	Status   *Status // nil on delete
	Revision int64   // etcd revision of the change
}

// Backoff bounds between two watch attempts after an error.
const (
	minRewatchDelay = 100 * time.Millisecond
	maxRewatchDelay = 2 * time.Second
)

// Watch delivers the changes of the nodes of a kind with revision >= fromRev
// (0: from now). A Nodes revision R is followed without gaps by Watch(R+1).
//
// When the watch fails it is re-established from the revision after the last
// delivered event. When that revision has been compacted away, the watcher
// resynchronises from the latest revision: it lists the nodes and delivers one
// EventPut per node (deletions inside the compacted gap are not reported).
// The channel is closed when ctx ends or the etcd client is closed.
func (r *Registry) Watch(ctx context.Context, kind string, fromRev int64) <-chan Event {
	out := make(chan Event, 16)
	if !validKind(kind) {
		r.lg.Error("watch of unknown kind", zap.String("kind", kind))
		close(out)
		return out
	}
	w := &watcher{r: r, kind: kind, next: fromRev, out: out, lg: r.lg.With(zap.String("kind", kind))}
	go w.run(ctx)
	return out
}

type watcher struct {
	r    *Registry
	kind string
	next int64 // first revision still to deliver; 0 = from now
	out  chan Event
	lg   *zap.Logger
}

func (w *watcher) run(ctx context.Context) {
	defer close(w.out)
	delay := minRewatchDelay
	for ctx.Err() == nil && w.r.cli.Ctx().Err() == nil {
		progressed, err := w.watchOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, rpctypes.ErrCompacted) {
			w.lg.Warn("watch revision compacted, resynchronising", zap.Int64("revision", w.next), zap.Error(err))
			if err := w.resync(ctx); err != nil {
				w.lg.Warn("resync nodes failed", zap.Error(err))
			} else {
				delay = minRewatchDelay
				continue
			}
		} else if err != nil {
			w.lg.Warn("watch failed, re-watching", zap.Int64("revision", w.next), zap.Error(err))
		}
		if progressed {
			delay = minRewatchDelay
		}
		if !sleepCtx(ctx, delay) {
			return
		}
		delay = min(delay*2, maxRewatchDelay)
	}
}

// watchOnce runs one etcd watch until it fails; progressed tells whether any event was delivered.
func (w *watcher) watchOnce(ctx context.Context) (progressed bool, err error) {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithCreatedNotify()}
	if w.next > 0 {
		opts = append(opts, clientv3.WithRev(w.next))
	}
	for resp := range w.r.cli.Watch(wctx, kindPrefix(w.kind), opts...) {
		if err := resp.Err(); err != nil {
			return progressed, err
		}
		for _, ev := range resp.Events {
			if !w.deliver(ctx, ev) {
				return progressed, ctx.Err()
			}
			progressed = true
		}
		if resp.Created && w.next == 0 && resp.Header.Revision > 0 {
			// Pin the position so a re-watch does not skip changes.
			w.next = resp.Header.Revision + 1
		}
	}
	return progressed, errors.New("registry: watch channel closed")
}

func (w *watcher) deliver(ctx context.Context, ev *clientv3.Event) bool {
	rev := ev.Kv.ModRevision
	w.next = rev + 1
	_, id, ok := ParseNodeKey(string(ev.Kv.Key))
	if !ok {
		return true
	}
	e := Event{Type: EventPut, NodeID: id, Revision: rev}
	if ev.Type == mvccpb.DELETE {
		e.Type = EventDelete
	} else {
		st, err := decodeStatus(ev.Kv.Key, ev.Kv.Value)
		if err != nil {
			w.lg.Warn("skip undecodable node", zap.ByteString("key", ev.Kv.Key), zap.Error(err))
			return true
		}
		e.Status = st
	}
	return w.send(ctx, e)
}

// resync lists the nodes at the latest revision, delivers them as puts, and
// continues after that revision.
func (w *watcher) resync(ctx context.Context) error {
	nodes, rev, err := w.r.Nodes(ctx, w.kind)
	if err != nil {
		return err
	}
	for _, st := range nodes {
		if !w.send(ctx, Event{Type: EventPut, NodeID: st.NodeID, Status: st, Revision: rev}) {
			return ctx.Err()
		}
	}
	w.next = rev + 1
	return nil
}

func (w *watcher) send(ctx context.Context, e Event) bool {
	select {
	case w.out <- e:
		return true
	case <-ctx.Done():
		return false
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
