package storage

import (
	"bytes"
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
	// Parts, set instead of Payload by PullCommitBinlogFunc for a merged
	// commit binlog, are the pieces of Payload in order
	// (binlogpb.MergeCommitParts): the merge is not copied, a sender writes
	// the prewrite value from where the storage holds it. The pieces are
	// shared (read them only); the slice itself is reused after send
	// returns. Bytes joins them.
	Parts [][]byte
	// Err, when set, is the last item before the channel closes: the next
	// binlog cannot be read. A *DataLossError means its bytes are damaged
	// (every earlier binlog was sent); any other error is transient, and a
	// new pull from the last binlog received may succeed.
	Err error
}

// Bytes returns the payload: Payload, or Parts joined.
func (b PulledBinlog) Bytes() []byte {
	if b.Parts == nil {
		return b.Payload
	}
	return bytes.Join(b.Parts, nil)
}

const pullChanCap = 64

// PullCommitBinlog streams every commit (and fake) binlog with
// commit_ts > last in ascending order, up to the watermark, and pushes more
// as the watermark moves. Each binlog is sent once. The channel is closed
// when ctx ends, the Append closes, or after an item with Err set. A last
// below the GC ts starts at the GC ts (binlogs may be lost).
func (a *Append) PullCommitBinlog(ctx context.Context, last int64) <-chan PulledBinlog {
	out := make(chan PulledBinlog, pullChanCap)
	last = a.pullStart(last)
	if !a.addPuller() {
		close(out)
		return out
	}
	go func() {
		defer a.bg.Done()
		defer close(out)
		err := a.pullLoop(ctx, last, &pullState{}, func(pb PulledBinlog) error {
			select {
			case out <- pb:
				return nil
			case <-ctx.Done():
			case <-a.stop:
			}
			return errPullStopped
		})
		if err != nil && !errors.Is(err, errPullStopped) {
			select {
			case out <- PulledBinlog{Err: err}:
			case <-ctx.Done():
			case <-a.stop:
			}
		}
	}()
	return out
}

// PullCommitBinlogFunc is PullCommitBinlog without a goroutine and a
// channel between the engine and the caller: it calls send, in the
// caller's goroutine, with each binlog in order (Err never set), and
// returns nil once ctx ends or the Append closes, send's error when send
// fails, or the error that ends the stream (see PulledBinlog.Err: every
// earlier binlog was sent). send must return promptly once ctx ends: Close
// waits for the pulls to return.
func (a *Append) PullCommitBinlogFunc(ctx context.Context, last int64, send func(PulledBinlog) error) error {
	last = a.pullStart(last)
	if !a.addPuller() {
		return nil
	}
	defer a.bg.Done()
	err := a.pullLoop(ctx, last, &pullState{asParts: true}, send)
	var se *sendError
	switch {
	case errors.Is(err, errPullStopped):
		return nil
	case errors.As(err, &se):
		return se.err
	}
	return err
}

// pullStart moves a pull position below the GC ts up to it.
func (a *Append) pullStart(last int64) int64 {
	if gc := a.gcTS.Load(); last < gc {
		a.lg.Error("pull position is below the gc ts, some binlogs may be lost",
			zap.Int64("last", last), zap.Int64("gcTS", gc))
		return gc
	}
	return last
}

// addPuller counts a pull in a.bg, unless the Append is closed.
func (a *Append) addPuller() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return false
	}
	a.bg.Add(1)
	return true
}

// pullLoop sends the binlogs after last as the watermark moves, until ctx
// ends or the Append closes (errPullStopped or nil), send fails (its
// error) or a binlog cannot be read (the error, logged).
func (a *Append) pullLoop(ctx context.Context, last int64, st *pullState, send func(PulledBinlog) error) error {
	for {
		wm, moved := a.watermark()
		if last < wm {
			var err error
			if last, err = a.pullRange(ctx, last, wm, st, send); err != nil {
				a.logPullEnd(err)
				return err
			}
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return nil
		case <-a.stop:
			return nil
		}
	}
}

// logPullEnd logs the storage error that ends a stream.
func (a *Append) logPullEnd(err error) {
	var (
		dl *DataLossError
		se *sendError
	)
	switch {
	case errors.Is(err, errPullStopped), errors.As(err, &se):
	case errors.As(err, &dl):
		a.lg.Error("binlog cannot be read back, ending the pull stream", zap.Int64("commitTS", dl.CommitTS),
			zap.Int64("startTS", dl.StartTS), zap.String("file", dl.File), zap.Int64("offset", dl.Offset), zap.Error(dl.Err))
	default:
		a.lg.Warn("pull failed, ending the pull stream", zap.Error(err))
	}
}

var errPullStopped = errors.New("storage: pull stopped")

// sendError marks an error of the caller's send function, which is
// returned as it is and not logged as a storage failure.
type sendError struct{ err error }

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// pullRange sends the binlogs of keys (last, wm] and returns wm. On an error
// nothing after the binlogs sent is sent.
func (a *Append) pullRange(ctx context.Context, last, wm int64, st *pullState, send func(PulledBinlog) error) (int64, error) {
	it := a.db.NewIterator(&util.Range{Start: tsKey(last + 1), Limit: tsKey(wm + 1)}, nil)
	defer it.Release()
	for it.Next() {
		ts, ok := decodeTSKey(it.Key())
		if !ok {
			continue
		}
		pb, ok, err := a.pulledAt(ts, it.Value(), st)
		if err != nil {
			return ts, err
		}
		if !ok {
			continue
		}
		if ctx.Err() != nil {
			return ts, errPullStopped
		}
		if err := send(pb); err != nil {
			if errors.Is(err, errPullStopped) {
				return ts, err
			}
			return ts, &sendError{err: err}
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
func (a *Append) pulledAt(ts int64, value []byte, st *pullState) (pb PulledBinlog, send bool, err error) {
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
	case r.Tp == binlogpb.BinlogType_Prewrite:
		st.prewrites.put(r.StartTs, r.payload)
		return PulledBinlog{}, false, nil
	case r.Tp != binlogpb.BinlogType_Commit:
		return PulledBinlog{}, false, nil
	}
	pb = PulledBinlog{StartTS: r.StartTs, CommitTS: r.CommitTs}
	st.parts, err = a.mergePrewrite(r, &st.prewrites, st.parts[:0])
	if errors.Is(err, errPrewriteAbsent) {
		a.m.errFeed.Inc()
		a.lg.Warn("skip commit binlog: its prewrite binlog is absent (rolled back, or purged by gc)",
			zap.Int64("startTS", r.StartTs), zap.Int64("commitTS", r.CommitTs))
		return PulledBinlog{}, false, nil
	}
	if err != nil {
		return PulledBinlog{}, false, err
	}
	if st.asParts {
		pb.Parts = st.parts
	} else {
		pb.Payload = bytes.Join(st.parts, nil)
	}
	return pb, true, nil
}
