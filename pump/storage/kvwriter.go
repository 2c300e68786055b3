package storage

import (
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"go.uber.org/zap"
)

const kvBatchSize = 128

// kvLoop indexes queued items, up to 128 per leveldb batch together with
// headPointer, then hands them to the sorter.
func (a *Append) kvLoop() {
	defer close(a.kvDone)
	defer a.sorter.closeInput()
	var (
		batch leveldb.Batch
		items = make([]kvItem, 0, kvBatchSize)
		ok    bool
	)
	for {
		items, ok = a.kvq.pop(items[:0], kvBatchSize)
		if !ok {
			return
		}
		if a.knobs.beforeKVWrite != nil {
			a.knobs.beforeKVWrite()
		}
		buildIndexBatch(&batch, items)
		if !a.writeKV(&batch) {
			return
		}
		if a.knobs.afterIndex != nil {
			a.knobs.afterIndex(items)
		}
		a.sorter.push(items)
	}
}

// buildIndexBatch resets b to index items: their "ts:" keys and
// headPointer, the pointer of the last one.
func buildIndexBatch(b *leveldb.Batch, items []kvItem) {
	var (
		key [tsKeySize]byte
		ptr [pointerSize]byte
	)
	b.Reset()
	for _, it := range items {
		b.Put(appendTSKey(key[:0], it.key()), it.ptr.encode(ptr[:0]))
	}
	b.Put(headPointerKey, items[len(items)-1].ptr.encode(ptr[:0]))
}

// writeKV retries a failed batch every kvRetry until the Append closes.
func (a *Append) writeKV(b *leveldb.Batch) bool {
	for {
		err := a.db.Write(b, nil)
		if err == nil {
			return true
		}
		a.m.errBatchKV.Inc()
		a.lg.Error("write kv batch failed, retrying", zap.Error(err))
		select {
		case <-time.After(a.knobs.kvRetry):
		case <-a.closing:
			a.lg.Error("give up writing kv batch: closing; the value log is rescanned at the next open")
			return false
		}
	}
}
