package storage

import "go.uber.org/zap"

// Where the value-log writer writes decides what its fdatasync costs.
// Appending allocates blocks and changes the file size, so every fdatasync
// also commits the file system journal. The writer therefore allocates the
// current file ahead in steps (preallocate, with fallocate: the size is set
// once and the blocks are reserved); on the benchmark machine this took the
// fdatasync of a single 1 KiB record from about 255 to 210 us (9% more
// binlogs/s for one writer) and of 1 MiB groups from 1.5 to 1.3 ms. The
// zeros after the last record are cut when the file is finalized or closed,
// and are recognised as the end of the records after a crash (see
// scanRecords).
//
// The writer also drops its synced pages from the page cache (dropSynced):
// with 100 KiB binlogs and 128 writers that alone gave 15% more binlogs/s.
// It drops them 256 MiB behind the end, not at once: a puller that falls
// behind the recent records then still reads from memory. (Dropping
// at once made such a puller read every record from the disk, which slowed
// it down further: with 100 KiB binlogs and 128 writers it fell seconds
// behind and its reads took a third of the pump's CPU.)
//
// (Overwriting blocks that already hold zeros makes fdatasync cheaper
// still, as no journal commit is needed; filling the space with zeros ahead
// of the writer, with direct I/O from a background goroutine, cut the
// fdatasync time by 20-30% but cost throughput with large binlogs, so it is
// not done.)
const (
	// preallocChunk is the step in which the current file is allocated.
	preallocChunk = 64 << 20
	// pageSize aligns the allocation.
	pageSize = 4 << 10
	// dropCacheStep: once this many synced bytes of the current file are
	// in the page cache, they are dropped from it. Readers are served from
	// the recent records or read the file, and the writer keeps reusing the
	// same free pages instead of growing the page cache, which costs more
	// than the copy itself where fresh memory is slow to fault in (virtual
	// machines: 2 ms instead of 0.1 ms to write 1 MiB into the cache).
	dropCacheStep = 1 << 20
	// defaultPageCacheKeep is how many of the newest synced bytes stay in
	// the page cache; the rest of the file is dropped behind them.
	defaultPageCacheKeep = 256 << 20
)

func alignUp(n int64) int64   { return (n + pageSize - 1) &^ (pageSize - 1) }
func alignDown(n int64) int64 { return n &^ (pageSize - 1) }

// preallocate makes sure the current file is allocated up to end, in steps
// of preallocChunk but not past the rotation size (unless end is). Failure
// (a file system without fallocate, a full disk) only costs speed: the
// group is then appended, and the file is not preallocated again.
func (v *valueLog) preallocate(end int64) {
	if end <= v.allocEnd || v.noAlloc {
		return
	}
	target := alignUp(min((end+preallocChunk-1)/preallocChunk*preallocChunk, max(end, v.fileSize)))
	if err := fallocate(v.cur.fd, v.allocEnd, target-v.allocEnd); err != nil {
		v.noAlloc = true
		v.lg.Warn("preallocate value log failed, appending instead", zap.String("file", v.cur.path), zap.Error(err))
		return
	}
	v.allocEnd = target
}

// dropSynced drops the synced pages of the current file that are more than
// cacheKeep bytes behind end, every dropCacheStep bytes. Once the current
// file holds cacheKeep bytes, the rest of the previous file goes too.
func (v *valueLog) dropSynced(end int64) {
	if !v.sync {
		return
	}
	if v.prevCached != nil && end >= v.cacheKeep {
		v.dropPrevious()
	}
	upTo := alignDown(end - v.cacheKeep)
	if upTo-v.dropped < dropCacheStep {
		return
	}
	_ = dropCache(v.cur.fd, v.dropped, upTo-v.dropped) // advice only
	v.dropped = upTo
}

// keepPrevious remembers, at rotation, the synced pages of the finalized
// file still in the page cache.
func (v *valueLog) keepPrevious() {
	if v.prevCached != nil {
		v.dropPrevious()
	}
	if v.sync {
		v.prevCached, v.prevDropped = v.cur, v.dropped
	}
}

// dropPrevious drops the rest of the previous file, unless GC removed it.
func (v *valueLog) dropPrevious() {
	prev := v.prevCached
	v.prevCached = nil
	lf, err := v.acquire(prev.fid)
	if err != nil {
		return
	}
	defer lf.mu.RUnlock()
	_ = dropCache(lf.fd, v.prevDropped, lf.dataEnd.Load()-v.prevDropped) // advice only
}
