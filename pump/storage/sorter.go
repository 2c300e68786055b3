package storage

import (
	"context"
	"sync"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// sorter computes the watermark (maxCommitTS). Items are processed strictly
// in value-log order; a prewrite whose commit (or rollback) has not arrived
// blocks the queue, so the watermark never passes an unmatched prewrite.
type sorter struct {
	a *Append

	mu          sync.Mutex
	queue       []kvItem
	head        int
	waiting     map[int64]struct{} // start_ts of prewrites without C/rollback
	inputClosed bool
	notify      chan struct{} // cap 1

	// owned by the loop goroutine
	max             int64
	handle          valuePointer
	persistedMax    int64
	persistedHandle valuePointer
	blocked         kvItem // the prewrite blocking the front, when blockedSet
	blockedSet      bool
	blockedSince    time.Time
	synthesized     int64 // start_ts whose synthetic commit was written
	ignored         int
	indexedBefore   valuePointer // records up to here were indexed before Open
	done            chan struct{}
}

func newSorter(a *Append, maxCommitTS int64, handle, head valuePointer) *sorter {
	return &sorter{a: a, indexedBefore: head, waiting: make(map[int64]struct{}), notify: make(chan struct{}, 1),
		max: maxCommitTS, handle: handle, persistedMax: maxCommitTS, persistedHandle: handle,
		done: make(chan struct{})}
}

// push appends indexed items in arrival order.
func (s *sorter) push(items []kvItem) {
	s.mu.Lock()
	for _, it := range items {
		if it.tp == binlogpb.BinlogType_Prewrite {
			s.waiting[it.start] = struct{}{}
		} else {
			delete(s.waiting, it.start)
		}
	}
	s.queue = append(s.queue, items...)
	s.mu.Unlock()
	signal(s.notify)
}

func (s *sorter) closeInput() {
	s.mu.Lock()
	s.inputClosed = true
	s.mu.Unlock()
	signal(s.notify)
}

func (s *sorter) allMatched() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiting) == 0
}

func (s *sorter) run(ctx context.Context) {
	defer close(s.done)
	ticker := time.NewTicker(s.a.knobs.tick)
	defer ticker.Stop()
	for {
		select {
		case <-s.notify:
		case <-ticker.C:
			s.persist()
			s.maybeResolve(ctx)
		}
		if s.process() {
			s.persist()
			return
		}
	}
}

// process pops every item it can and publishes the new watermark. It
// reports whether the input is closed and nothing more can be processed.
//
// A commit below the watermark is normal when it comes out in the same call
// as a larger one (commits of concurrent transactions arrive in any order,
// and all of them are served once the watermark is published). A commit
// below the watermark published before this call is not served to pullers
// that already passed it: that is counted and logged (see servedLate for
// the items that are not a problem).
func (s *sorter) process() bool {
	advanced := false
	published := s.max
	s.mu.Lock()
	for s.head < len(s.queue) {
		it := s.queue[s.head]
		if it.tp == binlogpb.BinlogType_Prewrite {
			if _, wait := s.waiting[it.start]; wait {
				s.setBlocked(it)
				break
			}
		} else if it.commit > s.max {
			s.max, s.handle, advanced = it.commit, it.ptr, true
		} else if it.commit < published && s.servedLate(it) {
			s.ignored++
		}
		s.head++
	}
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
		s.blockedSet = false
	} else if s.head > 4096 && s.head*2 > len(s.queue) {
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
	finished := s.inputClosed && (s.head == len(s.queue) || s.blockedSet)
	s.mu.Unlock()
	if s.ignored > 0 {
		s.a.lg.Warn("got commit binlogs whose commit ts is below the published max commit ts",
			zap.Int("count", s.ignored), zap.Int64("maxCommitTS", published))
		s.ignored = 0
	}
	if advanced {
		s.a.publish(s.max)
	}
	return finished
}

// servedLate reports whether a non-prewrite item below the published
// watermark is a commit some puller may have missed. A TiDB transaction's
// prewrite is stored before its commit_ts is taken, so that prewrite blocks
// every commit with a larger commit_ts until its own commit arrives: a
// commit can come out late only if TiDB broke that order. Not a problem
// (and not counted): a rollback (commit_ts 0); a fake binlog, a watermark
// whose ts was taken before a concurrent commit got a larger one and was
// stored first; and an item re-fed at open that was indexed, and served,
// before (at or before the head pointer of the last run).
func (s *sorter) servedLate(it kvItem) bool {
	return it.commit != 0 && it.start != it.commit && s.indexedBefore.less(it.ptr)
}

func (s *sorter) setBlocked(it kvItem) {
	if s.blockedSet && s.blocked.start == it.start {
		return
	}
	s.blocked, s.blockedSet, s.blockedSince = it, true, time.Now()
}

// persist saves maxCommitTS and handlePointer if they changed; it runs at
// most once per tick and at the end.
func (s *sorter) persist() {
	if s.max == s.persistedMax && s.handle == s.persistedHandle {
		return
	}
	var b leveldb.Batch
	b.Put(maxCommitTSKey, encodeInt64(s.max))
	b.Put(handlePointerKey, s.handle.encode(nil))
	if err := s.a.db.Write(&b, nil); err != nil {
		s.a.lg.Error("persist max commit ts failed", zap.Error(err))
		return
	}
	s.persistedMax, s.persistedHandle = s.max, s.handle
}

// maybeResolve asks the resolver about the prewrite blocking the front once
// it has waited ResolveAfter.
func (s *sorter) maybeResolve(ctx context.Context) {
	res := s.a.opts.Resolver
	s.mu.Lock()
	it, blocked := s.blocked, s.blockedSet
	if blocked {
		_, blocked = s.waiting[it.start]
	}
	s.mu.Unlock()
	if res == nil || !blocked || time.Since(s.blockedSince) < s.a.opts.ResolveAfter || s.synthesized == it.start {
		return
	}
	lg := s.a.lg.With(zap.Int64("startTS", it.start))
	p, err := s.a.readBinlogAt(it.ptr)
	if err != nil {
		s.a.m.errRead.Inc()
		lg.Error("read prewrite binlog to resolve failed", zap.Error(err))
		return
	}
	s.a.m.queryTiKV.Inc()
	r, err := res.Resolve(ctx, p)
	if err != nil {
		lg.Warn("resolve prewrite failed", zap.Error(err))
		return
	}
	switch r.Status {
	case TxnCommitted:
		s.writeSyntheticCommit(ctx, lg, it.start, r.CommitTS)
	case TxnRolledBack:
		lg.Info("prewrite without commit binlog was rolled back, dropping it")
		s.mu.Lock()
		delete(s.waiting, it.start)
		s.mu.Unlock()
	default:
		lg.Debug("transaction of prewrite still undecided")
	}
}

// writeSyntheticCommit stores the commit binlog TiDB never sent; it unblocks
// the prewrite when it comes out of the KV writer like any other binlog.
func (s *sorter) writeSyntheticCommit(ctx context.Context, lg *zap.Logger, start, commit int64) {
	if commit <= start {
		lg.Error("resolver returned an invalid commit ts", zap.Int64("commitTS", commit))
		return
	}
	c := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)
	payload, err := proto.Marshal(c)
	if err != nil {
		lg.Error("marshal synthetic commit binlog failed", zap.Error(err))
		return
	}
	if err := s.a.write(ctx, c.Header(), payload); err != nil {
		lg.Error("write synthetic commit binlog failed", zap.Error(err))
		return
	}
	s.synthesized = start
	lg.Info("wrote synthetic commit binlog", zap.Int64("commitTS", commit))
}
