package storage

import (
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"go.uber.org/zap"
)

// recover loads the persisted state and re-feeds the value log from
// min(headPointer, handlePointer) through the index and the sorter.
func (a *Append) recover() error {
	gcTS, err := a.readInt64(gcTSKey)
	if err != nil {
		return err
	}
	maxCommitTS, err := a.readInt64(maxCommitTSKey)
	if err != nil {
		return err
	}
	head, err := a.readPointer(headPointerKey)
	if err != nil {
		return err
	}
	handle, err := a.readPointer(handlePointerKey)
	if err != nil {
		return err
	}
	if head, handle, err = a.dropStaleEntries(head, handle); err != nil {
		return err
	}
	a.gcTS.Store(gcTS)
	a.m.gcTS.Set(tsPhysical(gcTS))
	a.maxCommitTS.Store(maxCommitTS)
	a.m.maxCommitTS.Set(tsPhysical(maxCommitTS))
	a.sortLoop = a.newSortLoop(maxCommitTS, handle, head)
	a.sorter = a.sortLoop.s
	from := head
	if handle.less(from) {
		from = handle
	}
	a.lg.Info("storage state loaded", zap.Int64("gcTS", gcTS), zap.Int64("maxCommitTS", maxCommitTS),
		zap.Uint32("headFid", head.fid), zap.Int64("headOffset", head.offset),
		zap.Uint32("handleFid", handle.fid), zap.Int64("handleOffset", handle.offset))
	n, err := a.refeed(from)
	if err != nil {
		return err
	}
	a.lg.Info("value log re-fed", zap.Int("records", n))
	return nil
}

// refeed indexes every record from p on and queues it for the sorter.
func (a *Append) refeed(p valuePointer) (int, error) {
	var (
		batch leveldb.Batch
		items = make([]kvItem, 0, kvBatchSize)
		count int
	)
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		buildIndexBatch(&batch, items)
		if err := a.db.Write(&batch, nil); err != nil {
			return fmt.Errorf("index value log: %w", err)
		}
		a.sorter.push(items)
		items = items[:0]
		return nil
	}
	_, err := a.vlog.scan(p, func(vp valuePointer, payload []byte) error {
		it, ok := itemOfRecord(a.lg, vp, payload)
		if !ok {
			return nil
		}
		items = append(items, it)
		count++
		if len(items) == kvBatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return count, err
}

func (a *Append) readInt64(key []byte) (int64, error) {
	v, err := a.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", key, err)
	}
	n, ok := decodeInt64(v)
	if !ok {
		return 0, fmt.Errorf("read %s: bad value of %d bytes", key, len(v))
	}
	return n, nil
}

func (a *Append) readPointer(key []byte) (valuePointer, error) {
	v, err := a.db.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return valuePointer{}, nil
	}
	if err != nil {
		return valuePointer{}, fmt.Errorf("read %s: %w", key, err)
	}
	p, err := decodePointer(v)
	if err != nil {
		return valuePointer{}, fmt.Errorf("read %s: %w", key, err)
	}
	return p, nil
}
