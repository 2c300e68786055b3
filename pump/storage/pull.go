package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// PulledBinlog is one commit binlog served to a drainer.
type PulledBinlog struct {
	StartTS, CommitTS int64
	// Payload is the marshaled commit binlog merged with its prewrite's
	// start_ts, prewrite_value, ddl_query, ddl_job_id and ddl_schema_state;
	// a fake binlog is sent as stored. It may be shared: read it only.
	Payload []byte
}

const pullChanCap = 64

// PullCommitBinlog streams every commit (and fake) binlog with
// commit_ts > last in ascending order, up to the watermark, and pushes more
// as the watermark moves. The channel is closed when ctx ends or the Append
// closes. A last below the GC ts starts at the GC ts (binlogs may be lost).
func (a *Append) PullCommitBinlog(ctx context.Context, last int64) <-chan PulledBinlog {
	out := make(chan PulledBinlog, pullChanCap)
	if gc := a.gcTS.Load(); last < gc {
		a.lg.Error("pull position is below the gc ts, some binlogs may be lost",
			zap.Int64("last", last), zap.Int64("gcTS", gc))
		last = gc
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		close(out)
		return out
	}
	a.bg.Add(1)
	go a.pullLoop(ctx, last, out)
	return out
}

func (a *Append) pullLoop(ctx context.Context, last int64, out chan<- PulledBinlog) {
	defer a.bg.Done()
	defer close(out)
	for {
		wm, moved := a.watermark()
		if last < wm {
			var err error
			if last, err = a.pullRange(ctx, last, wm, out); err != nil {
				return
			}
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return
		case <-a.stop:
			return
		}
	}
}

var errPullStopped = errors.New("storage: pull stopped")

// pullRange sends the binlogs of keys (last, wm] and returns wm.
func (a *Append) pullRange(ctx context.Context, last, wm int64, out chan<- PulledBinlog) (int64, error) {
	it := a.db.NewIterator(&util.Range{Start: tsKey(last + 1), Limit: tsKey(wm + 1)}, nil)
	defer it.Release()
	for it.Next() {
		ts, ok := decodeTSKey(it.Key())
		if !ok {
			continue
		}
		pb, ok := a.pulledAt(ts, it.Value())
		if !ok {
			continue
		}
		select {
		case out <- pb:
		case <-ctx.Done():
			return ts, errPullStopped
		case <-a.stop:
			return ts, errPullStopped
		}
	}
	if err := it.Error(); err != nil {
		a.lg.Error("iterate kv failed", zap.Error(err))
		return last, nil
	}
	return wm, nil
}

// pulledAt builds the item of key ts, or reports false to skip it.
func (a *Append) pulledAt(ts int64, value []byte) (PulledBinlog, bool) {
	p, err := decodePointer(value)
	if err != nil {
		a.lg.Error("bad value pointer", zap.Int64("ts", ts), zap.Error(err))
		return PulledBinlog{}, false
	}
	payload, err := a.vlog.read(p)
	if err != nil {
		a.m.errRead.Inc()
		a.lg.Error("read binlog failed", zap.Int64("ts", ts), zap.Error(err))
		return PulledBinlog{}, false
	}
	tp, start, commit, err := peekBinlog(payload)
	if err != nil {
		a.lg.Error("skip undecodable binlog", zap.Int64("ts", ts), zap.Error(err))
		return PulledBinlog{}, false
	}
	switch {
	case start == commit:
		return PulledBinlog{StartTS: start, CommitTS: commit, Payload: payload}, true
	case tp != binlogpb.BinlogType_Commit:
		return PulledBinlog{}, false
	}
	merged, err := a.mergePrewrite(start, payload)
	if err != nil {
		a.m.errFeed.Inc()
		a.lg.Error("skip commit binlog: its prewrite binlog is missing or unreadable",
			zap.Int64("startTS", start), zap.Int64("commitTS", commit), zap.Error(err))
		return PulledBinlog{}, false
	}
	return PulledBinlog{StartTS: start, CommitTS: commit, Payload: merged}, true
}

// mergePrewrite merges the commit binlog with its prewrite, found by the
// commit's start_ts.
func (a *Append) mergePrewrite(start int64, commitPayload []byte) ([]byte, error) {
	v, err := a.db.Get(tsKey(start), nil)
	if err != nil {
		return nil, fmt.Errorf("get prewrite pointer: %w", err)
	}
	p, err := decodePointer(v)
	if err != nil {
		return nil, fmt.Errorf("prewrite pointer: %w", err)
	}
	prewrite, err := a.vlog.read(p)
	if err != nil {
		return nil, err
	}
	return mergeCommit(commitPayload, prewrite)
}

// ReadBinlog returns the binlog stored under key ts (a prewrite by its
// start_ts, anything else by its commit_ts). ErrNotFound if there is none.
func (a *Append) ReadBinlog(ts int64) (*binlogpb.Binlog, error) {
	v, err := a.db.Get(tsKey(ts), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, fmt.Errorf("binlog at ts %d: %w", ts, ErrNotFound)
	}
	if errors.Is(err, leveldb.ErrClosed) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("get binlog pointer: %w", err)
	}
	p, err := decodePointer(v)
	if err != nil {
		return nil, fmt.Errorf("binlog pointer at ts %d: %w", ts, err)
	}
	return a.readBinlogAt(p)
}

func (a *Append) readBinlogAt(p valuePointer) (*binlogpb.Binlog, error) {
	payload, err := a.vlog.read(p)
	if err != nil {
		return nil, err
	}
	b := new(binlogpb.Binlog)
	if err := proto.Unmarshal(payload, b); err != nil {
		return nil, fmt.Errorf("unmarshal binlog: %w", err)
	}
	return b, nil
}
