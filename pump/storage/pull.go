package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb/util"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// PulledBinlog is one commit binlog served to a drainer, or the error that
// ends the stream.
type PulledBinlog struct {
	StartTS, CommitTS int64
	// Payload is the marshaled commit binlog merged with its prewrite's
	// start_ts, prewrite_value, ddl_query, ddl_job_id and ddl_schema_state;
	// a fake binlog is sent as stored. It may be shared: read it only.
	Payload []byte
	// Err, when set, is the last item before the channel closes: the next
	// binlog cannot be read. A *DataLossError means its bytes are damaged
	// (every earlier binlog was sent); any other error is transient, and a
	// new pull from the last binlog received may succeed.
	Err error
}

const pullChanCap = 64

// PullCommitBinlog streams every commit (and fake) binlog with
// commit_ts > last in ascending order, up to the watermark, and pushes more
// as the watermark moves. Each binlog is sent once. The channel is closed
// when ctx ends, the Append closes, or after an item with Err set. A last
// below the GC ts starts at the GC ts (binlogs may be lost).
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
				a.endPull(ctx, err, out)
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

// endPull sends the error that ends a stream (unless the stream was
// stopped).
func (a *Append) endPull(ctx context.Context, err error, out chan<- PulledBinlog) {
	if errors.Is(err, errPullStopped) {
		return
	}
	var dl *DataLossError
	if errors.As(err, &dl) {
		a.lg.Error("binlog cannot be read back, ending the pull stream", zap.Int64("commitTS", dl.CommitTS),
			zap.Int64("startTS", dl.StartTS), zap.String("file", dl.File), zap.Int64("offset", dl.Offset), zap.Error(dl.Err))
	} else {
		a.lg.Warn("pull failed, ending the pull stream", zap.Error(err))
	}
	select {
	case out <- PulledBinlog{Err: err}:
	case <-ctx.Done():
	case <-a.stop:
	}
}

var errPullStopped = errors.New("storage: pull stopped")

// pullRange sends the binlogs of keys (last, wm] and returns wm. On an error
// nothing after the binlogs sent is sent.
func (a *Append) pullRange(ctx context.Context, last, wm int64, out chan<- PulledBinlog) (int64, error) {
	it := a.db.NewIterator(&util.Range{Start: tsKey(last + 1), Limit: tsKey(wm + 1)}, nil)
	defer it.Release()
	for it.Next() {
		ts, ok := decodeTSKey(it.Key())
		if !ok {
			continue
		}
		pb, send, err := a.pulledAt(ts, it.Value())
		if err != nil {
			return ts, err
		}
		if !send {
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
		return last, fmt.Errorf("iterate index: %w", err)
	}
	return wm, nil
}

// pulledAt builds the item of index entry (ts, value); send is false for a
// key with nothing to send (a prewrite, a rollback, a commit whose prewrite
// is absent).
func (a *Append) pulledAt(ts int64, value []byte) (pb PulledBinlog, send bool, err error) {
	r, err := a.readIndexed(ts, value)
	if errors.Is(err, errDamagedPrewrite) {
		a.lg.Warn("prewrite record is damaged; its commit binlog will end the pull stream",
			zap.Int64("startTS", ts), zap.Error(err))
		return PulledBinlog{}, false, nil
	}
	if err != nil {
		return PulledBinlog{}, false, err
	}
	switch {
	case r.StartTs == r.CommitTs:
		return PulledBinlog{StartTS: r.StartTs, CommitTS: r.CommitTs, Payload: r.payload}, true, nil
	case r.Tp != binlogpb.BinlogType_Commit:
		return PulledBinlog{}, false, nil
	}
	merged, err := a.mergePrewrite(r)
	if errors.Is(err, errPrewriteAbsent) {
		a.m.errFeed.Inc()
		a.lg.Warn("skip commit binlog: its prewrite binlog is absent (rolled back, or purged by gc)",
			zap.Int64("startTS", r.StartTs), zap.Int64("commitTS", r.CommitTs))
		return PulledBinlog{}, false, nil
	}
	if err != nil {
		return PulledBinlog{}, false, err
	}
	return PulledBinlog{StartTS: r.StartTs, CommitTS: r.CommitTs, Payload: merged}, true, nil
}
