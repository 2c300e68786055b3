package storage

import (
	"strconv"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/tso"
)

const gcBatch = 1024

// GCTS returns the current GC ts.
func (a *Append) GCTS() int64 { return a.gcTS.Load() }

// GC records ts as the new GC ts and deletes, in the background, the value
// log files and KV keys at or below ts - MaxTxnTimeout. A ts not above the current
// GC ts, or not below the max commit ts, is ignored.
func (a *Append) GC(ts int64) {
	lg := a.lg.With(zap.Int64("ts", ts))
	if cur := a.gcTS.Load(); ts <= cur {
		lg.Info("ignore gc request: not above the current gc ts", zap.Int64("gcTS", cur))
		return
	}
	if max := a.MaxCommitTS(); ts >= max {
		lg.Info("ignore gc request: not below the max commit ts", zap.Int64("maxCommitTS", max))
		return
	}
	if a.isClosed() {
		return
	}
	if err := a.db.Put(gcTSKey, encodeInt64(ts), nil); err != nil {
		lg.Error("persist gc ts failed", zap.Error(err))
		return
	}
	a.gcTS.Store(ts)
	a.m.gcTS.Set(tsPhysical(ts))
	lg.Info("gc ts updated")
	signal(a.gcWake)
}

// gcMargin is kept below the GC ts so that prewrites of transactions that
// commit later survive: MaxTxnTimeout in TSO units.
func (a *Append) gcMargin() int64 { return tso.Span(a.opts.MaxTxnTimeout) }

func (a *Append) gcLoop() {
	defer a.bg.Done()
	for {
		select {
		case <-a.stop:
			return
		case <-a.gcWake:
			a.doGC(a.gcTS.Load() - a.gcMargin())
		}
	}
}

// doGC deletes KV ts keys <= ts in batches, then the value log files whose
// records are all <= ts.
func (a *Append) doGC(ts int64) {
	if ts <= 0 {
		return
	}
	lg := a.lg.With(zap.Int64("gcUpTo", ts))
	lg.Info("start gc")
	deleted, ok := a.gcKV(ts)
	if !ok {
		return
	}
	files := a.vlog.gc(ts)
	a.m.doneGCTS.Set(tsPhysical(ts))
	lg.Info("gc done", zap.Int("deletedKeys", deleted), zap.Int("deletedFiles", files))
}

func (a *Append) gcKV(ts int64) (int, bool) {
	it := a.db.NewIterator(&util.Range{Start: tsKey(0), Limit: tsKey(ts + 1)}, nil)
	defer it.Release()
	var b leveldb.Batch
	deleted := 0
	flush := func() bool {
		if b.Len() == 0 {
			return true
		}
		if err := a.db.Write(&b, nil); err != nil {
			a.lg.Error("gc delete kv failed", zap.Error(err))
			return false
		}
		a.m.deletedKV.Add(float64(b.Len()))
		deleted += b.Len()
		b.Reset()
		return a.waitL0()
	}
	for it.Next() {
		b.Delete(it.Key())
		if b.Len() >= gcBatch && !flush() {
			return deleted, false
		}
	}
	if err := it.Error(); err != nil {
		// keys left behind would point into the value log files removed
		// next: stop here, the next GC request scans again
		a.lg.Error("gc scan kv failed", zap.Error(err))
		flush()
		return deleted, false
	}
	return deleted, flush()
}

// waitL0 pauses while level 0 holds too many tables; false when closing.
func (a *Append) waitL0() bool {
	for {
		select {
		case <-a.stop:
			return false
		default:
		}
		v, err := a.db.GetProperty("leveldb.num-files-at-level0")
		if err != nil {
			return true
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < a.opts.KV.CompactionL0Trigger {
			return true
		}
		a.lg.Info("gc paused: too many level 0 files", zap.Int("files", n))
		select {
		case <-a.stop:
			return false
		case <-time.After(a.knobs.gcL0Pause):
		}
	}
}
