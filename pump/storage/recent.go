package storage

import (
	"sort"
	"sync"
)

// recentRecords keeps the payloads of the most recently written records, up
// to a byte budget, oldest evicted first. Pullers read a commit and its
// prewrite moments after they were written; serving them from memory saves
// the reads and copies from the file. The payloads are the slices the
// writers handed to WriteBinlog, which are never modified afterwards.
//
// Records are added in file order, so the entries are sorted by pointer and
// a lookup is a binary search.
type recentRecords struct {
	mu      sync.Mutex
	limit   int
	size    int
	entries []recentEntry // sorted by ptr from head on
	head    int
}

type recentEntry struct {
	ptr     valuePointer
	payload []byte
}

func newRecentRecords(limit int) *recentRecords {
	return &recentRecords{limit: limit}
}

// add remembers the payloads of a group just made durable, at ptrs; they
// are in file order, after every record added before.
func (c *recentRecords) add(ptrs []valuePointer, payloads [][]byte) {
	if c.limit <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range payloads {
		c.entries = append(c.entries, recentEntry{ptr: ptrs[i], payload: p})
		c.size += len(p)
	}
	for c.size > c.limit {
		c.size -= len(c.entries[c.head].payload)
		c.entries[c.head] = recentEntry{}
		c.head++
	}
	if c.head >= 1024 && c.head*2 > len(c.entries) {
		n := copy(c.entries, c.entries[c.head:])
		clear(c.entries[n:])
		c.entries, c.head = c.entries[:n], 0
	}
}

// get returns the payload of the record at p if it is still held.
func (c *recentRecords) get(p valuePointer) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	live := c.entries[c.head:]
	i := sort.Search(len(live), func(i int) bool { return !live[i].ptr.less(p) })
	if i < len(live) && live[i].ptr == p {
		return live[i].payload, true
	}
	return nil, false
}

// dropFiles forgets the records of the files up to fid (deleted by GC).
func (c *recentRecords) dropFiles(fid uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.head < len(c.entries) && c.entries[c.head].ptr.fid <= fid {
		c.size -= len(c.entries[c.head].payload)
		c.entries[c.head] = recentEntry{}
		c.head++
	}
}
