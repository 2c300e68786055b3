package pumpclient

import (
	"sync"
	"time"
)

// tsMap remembers which pump stored the prewrite binlog of each start_ts,
// so that its commit or rollback binlog goes to the same pump. An entry is
// removed by the commit/rollback write, or expires ttl after the prewrite
// (a transaction that never sends its commit binlog must not leak memory).
type tsMap struct {
	ttl time.Duration

	mu sync.Mutex
	m  map[int64]tsEntry
	// order holds every put in time order, so expiry only visits the
	// entries whose time is up. Entries removed or re-put meanwhile are
	// recognised by their expiry time and skipped.
	order []tsOrder
	head  int
}

type tsOrder struct {
	startTS  int64
	expireAt time.Time
}

type tsEntry struct {
	nodeID   string
	expireAt time.Time
}

func newTSMap(ttl time.Duration) *tsMap {
	return &tsMap{ttl: ttl, m: make(map[int64]tsEntry)}
}

// put records that the prewrite of startTS is on nodeID.
func (t *tsMap) put(startTS int64, nodeID string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp := now.Add(t.ttl)
	t.m[startTS] = tsEntry{nodeID: nodeID, expireAt: exp}
	t.order = append(t.order, tsOrder{startTS: startTS, expireAt: exp})
}

// get returns the pump of startTS's prewrite.
func (t *tsMap) get(startTS int64) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[startTS]
	return e.nodeID, ok
}

func (t *tsMap) remove(startTS int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, startTS)
}

// expire drops the entries whose time is up and returns how many it dropped.
func (t *tsMap) expire(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for t.head < len(t.order) && !now.Before(t.order[t.head].expireAt) {
		o := t.order[t.head]
		t.order[t.head] = tsOrder{}
		t.head++
		if e, ok := t.m[o.startTS]; ok && e.expireAt.Equal(o.expireAt) {
			delete(t.m, o.startTS)
			n++
		}
	}
	t.compact()
	return n
}

// compact releases the consumed front of the order queue once it is at
// least half of it.
func (t *tsMap) compact() {
	if t.head == 0 || t.head < len(t.order)/2 {
		return
	}
	rest := len(t.order) - t.head
	if rest == 0 {
		t.order, t.head = nil, 0
		return
	}
	order := make([]tsOrder, rest, max(rest*2, 16))
	copy(order, t.order[t.head:])
	t.order, t.head = order, 0
}

func (t *tsMap) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// cleanupInterval is how often expired entries are swept: a quarter of the
// ttl, between 10 ms and 1 min.
func (t *tsMap) cleanupInterval() time.Duration {
	return min(max(t.ttl/4, 10*time.Millisecond), time.Minute)
}
