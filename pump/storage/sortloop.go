package storage

import (
	"context"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// sortLoop runs the sorter for the engine: it processes what the KV writer
// pushes, persists the watermark at most once per tick, and resolves the
// prewrite blocking the front (writing synthetic commits).
type sortLoop struct {
	a *Append
	s *sorter

	persistedMax    int64
	persistedHandle valuePointer
	synthesized     int64 // start_ts whose synthetic commit was written
	done            chan struct{}
}

func (a *Append) newSortLoop(maxCommitTS int64, handle, head valuePointer) *sortLoop {
	l := &sortLoop{a: a, persistedMax: maxCommitTS, persistedHandle: handle, done: make(chan struct{})}
	l.s = newSorter(maxCommitTS, handle, head, sorterCallbacks{publish: a.publish, late: a.reportLate})
	return l
}

func (a *Append) reportLate(count int, published int64) {
	a.lg.Warn("got commit binlogs whose commit ts is below the published max commit ts",
		zap.Int("count", count), zap.Int64("maxCommitTS", published))
}

func (l *sortLoop) run(ctx context.Context) {
	defer close(l.done)
	ticker := time.NewTicker(l.a.knobs.tick)
	defer ticker.Stop()
	for {
		select {
		case <-l.s.notify:
		case <-ticker.C:
			l.persist()
			l.maybeResolve(ctx)
		}
		if l.s.process() {
			l.persist()
			return
		}
	}
}

// persist saves maxCommitTS and handlePointer if they changed.
func (l *sortLoop) persist() {
	max, handle := l.s.state()
	if max == l.persistedMax && handle == l.persistedHandle {
		return
	}
	var b leveldb.Batch
	b.Put(maxCommitTSKey, encodeInt64(max))
	b.Put(handlePointerKey, handle.encode(nil))
	if err := l.a.db.Write(&b, nil); err != nil {
		l.a.lg.Error("persist max commit ts failed", zap.Error(err))
		return
	}
	l.persistedMax, l.persistedHandle = max, handle
}

// maybeResolve asks the resolver about the prewrite blocking the front once
// it has waited ResolveAfter.
func (l *sortLoop) maybeResolve(ctx context.Context) {
	res := l.a.opts.Resolver
	it, since, blocked := l.s.blocker()
	if res == nil || !blocked || time.Since(since) < l.a.opts.ResolveAfter || l.synthesized == it.start {
		return
	}
	lg := l.a.lg.With(zap.Int64("startTS", it.start))
	p, err := l.a.readBinlogAt(it.ptr)
	if err != nil {
		l.a.m.errRead.Inc()
		lg.Error("read prewrite binlog to resolve failed", zap.Error(err))
		return
	}
	l.a.m.queryTiKV.Inc()
	r, err := res.Resolve(ctx, p)
	if err != nil {
		lg.Warn("resolve prewrite failed", zap.Error(err))
		return
	}
	switch r.Status {
	case TxnCommitted:
		l.writeSyntheticCommit(ctx, lg, it.start, r.CommitTS)
	case TxnRolledBack:
		lg.Info("prewrite without commit binlog was rolled back, dropping it")
		l.s.dropPrewrite(it.start)
	default:
		lg.Debug("transaction of prewrite still undecided")
	}
}

// writeSyntheticCommit stores the commit binlog TiDB never sent; it unblocks
// the prewrite when it comes out of the KV writer like any other binlog.
func (l *sortLoop) writeSyntheticCommit(ctx context.Context, lg *zap.Logger, start, commit int64) {
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
	if err := l.a.write(ctx, c.Header(), payload); err != nil {
		lg.Error("write synthetic commit binlog failed", zap.Error(err))
		return
	}
	l.synthesized = start
	lg.Info("wrote synthetic commit binlog", zap.Int64("commitTS", commit))
}
