package storage

import (
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
	"go.uber.org/zap"
)

// maxReportedStale bounds the timestamps logged by dropStaleEntries.
const maxReportedStale = 64

// dropStaleEntries removes, at open, the index entries that point at or past
// the end of the value log: the records they pointed at were cut as a torn
// tail (or lost), and new records will be written there. headPointer and
// handlePointer past the end are moved to it. Every index entry points at
// or before headPointer (they are written in one batch), so the index is
// only scanned when headPointer or handlePointer is past the end. It
// returns the pointers to use.
func (a *Append) dropStaleEntries(head, handle valuePointer) (valuePointer, valuePointer, error) {
	end := a.vlog.end()
	if head.less(end) && handle.less(end) {
		return head, handle, nil
	}
	var (
		b     leveldb.Batch
		stale []int64
	)
	it := a.db.NewIterator(util.BytesPrefix(tsKeyPrefix), nil)
	for it.Next() {
		ts, ok := decodeTSKey(it.Key())
		if !ok {
			continue
		}
		if p, err := decodePointer(it.Value()); err == nil && p.less(end) {
			continue
		}
		b.Delete(it.Key())
		stale = append(stale, ts)
	}
	it.Release()
	if err := it.Error(); err != nil {
		return head, handle, fmt.Errorf("scan index for stale entries: %w", err)
	}
	head, handle = minPointer(head, end), minPointer(handle, end)
	b.Put(headPointerKey, head.encode(nil))
	b.Put(handlePointerKey, handle.encode(nil))
	if err := a.db.Write(&b, &opt.WriteOptions{Sync: true}); err != nil {
		return head, handle, fmt.Errorf("remove stale index entries: %w", err)
	}
	if len(stale) > 0 {
		a.m.errRead.Add(float64(len(stale)))
		a.lg.Error("removed index entries pointing past the end of the value log: their records were cut as a torn tail",
			zap.Int("count", len(stale)), zap.Int64s("ts", stale[:min(len(stale), maxReportedStale)]),
			zap.Uint32("endFid", end.fid), zap.Int64("endOffset", end.offset))
	}
	return head, handle, nil
}

func minPointer(p, q valuePointer) valuePointer {
	if q.less(p) {
		return q
	}
	return p
}
