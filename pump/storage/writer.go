package storage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Group-commit limits of the value-log writer. A group takes the requests
// already queued, up to maxGroupBytes. (The original also stops at the first
// payload's size + 128 KiB when that payload is small, so that a small write
// does not wait for a large group; but the requests left out then wait for a
// whole further write and sync. Taking them gave 32% more binlogs/s with
// 100 KiB binlogs and 128 writers, and no loss with small ones.)
const (
	maxGroupBytes = 1 << 20
	writeChanCap  = 1 << 14
)

// request is one binlog on its way to the value log. Requests are pooled:
// the writer must not touch one after signaling done.
type request struct {
	start, commit int64
	tp            binlogpb.BinlogType
	payload       []byte
	ptr           valuePointer
	err           error
	done          chan struct{} // cap 1
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

// WriteBinlog stores b and returns once it is durable in the value log
// (after fdatasync when SyncLog is on). payload is b marshaled as received;
// nil means marshal b. When payload is given, only the type and timestamps
// of b are read (see PeekBinlog), and the storage keeps payload to serve
// readers from memory: the caller must not modify it afterwards. An empty
// probe (start_ts == commit_ts == 0) is accepted without writing. When the
// disk is nearly full, real binlogs get ErrNoAvailableSpace while fake
// binlogs are still accepted.
func (a *Append) WriteBinlog(ctx context.Context, b *binlogpb.Binlog, payload []byte) error {
	if b.IsProbe() {
		if a.isClosed() {
			return ErrClosed
		}
		return nil
	}
	if !b.IsFake() && a.noSpace.Load() {
		a.m.errWrite.Inc()
		return ErrNoAvailableSpace
	}
	return a.write(ctx, b, payload)
}

func (a *Append) write(ctx context.Context, b *binlogpb.Binlog, payload []byte) error {
	t0 := time.Now()
	if payload == nil {
		var err error
		if payload, err = proto.Marshal(b); err != nil {
			return fmt.Errorf("marshal binlog: %w", err)
		}
	}
	r := requestPool.Get().(*request)
	r.start, r.commit, r.tp, r.payload, r.err = b.GetStartTs(), b.GetCommitTs(), b.GetTp(), payload, nil
	if err := a.enqueue(ctx, r); err != nil {
		r.payload = nil
		requestPool.Put(r)
		return err
	}
	<-r.done
	err := r.err
	r.payload, r.err = nil, nil
	requestPool.Put(r)

	d := time.Since(t0)
	a.m.durSingle.Observe(d.Seconds())
	a.m.sizeSingle.Observe(float64(len(payload)))
	if err != nil {
		a.m.errWrite.Inc()
		return err
	}
	if d > a.opts.SlowWriteThreshold {
		a.lg.Warn("slow write binlog", zap.Duration("duration", d), zap.Int64("startTS", b.GetStartTs()),
			zap.Int64("commitTS", b.GetCommitTs()), zap.Int("size", len(payload)))
	}
	return nil
}

func (a *Append) enqueue(ctx context.Context, r *request) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return ErrClosed
	}
	select {
	case a.writeCh <- r:
		return nil
	default:
	}
	select {
	case a.writeCh <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeLoop is the single value-log writer: it groups queued requests,
// writes and syncs each group once, acknowledges it, then forwards it.
func (a *Append) writeLoop() {
	defer close(a.writerDone)
	group := make([]*request, 0, 256)
	items := make([]kvItem, 0, 256)
	for {
		first, ok := <-a.writeCh
		if !ok {
			return
		}
		group = append(group[:0], first)
		size := len(first.payload)
		open := true
	collect:
		for size < maxGroupBytes {
			select {
			case r, more := <-a.writeCh:
				if !more {
					open = false
					break collect
				}
				group = append(group, r)
				size += len(r.payload)
			default:
				break collect
			}
		}
		items = a.writeGroup(group, items[:0])
		clear(group)
		if !open {
			return
		}
	}
}

func (a *Append) writeGroup(group []*request, items []kvItem) []kvItem {
	t0 := time.Now()
	a.chaser.writeLock.Lock()
	defer a.chaser.writeLock.Unlock()
	err := a.vlog.write(group)
	if err != nil {
		a.m.errWriteBatch.Inc()
		a.lg.Error("write value log failed", zap.Int("records", len(group)), zap.Error(err))
	}
	for _, r := range group {
		if err == nil {
			items = append(items, kvItem{start: r.start, commit: r.commit, tp: r.tp, ptr: r.ptr})
		}
		r.err = err
		r.done <- struct{}{}
	}
	a.m.durBatch.Observe(time.Since(t0).Seconds())
	if len(items) > 0 {
		a.forward(items)
	}
	return items
}

// forward hands indexed-to-be items to the KV writer. If the KV queue stays
// full for kvBlockedTimeout, the slow chaser takes over from the first item.
func (a *Append) forward(items []kvItem) {
	if a.chaser.isOn() {
		return
	}
	if a.kvq.tryPush(items) {
		return
	}
	if a.kvq.pushWait(items, nil, time.Now().Add(a.knobs.kvBlockedTimeout)) {
		return
	}
	a.chaser.turnOn(items[0].ptr)
}
