package storage

// pullState is what one pull stream keeps between the binlogs it sends.
type pullState struct {
	// asParts: merged binlogs are sent as PulledBinlog.Parts, built in
	// parts (reused once send returned), instead of joined.
	asParts bool
	parts   [][]byte
	// prewrites read at their own keys, for their commits' merge
	prewrites pulledPrewrites
}

// pullPrewriteBytes bounds the prewrites a stream keeps for their commits.
const pullPrewriteBytes = 8 << 20

// pulledPrewrites keeps the prewrites a stream read at their own keys (in
// commit-ts order a prewrite's key, its start_ts, comes before its
// commit's) until their commits come, so that a commit's merge neither
// looks its prewrite up in the index nor reads it again: a drainer
// catching up from the value log read every prewrite twice. Only records
// read back whole, checked and found to be the prewrite of their key are
// kept, which is what the lookup would return. The oldest are dropped
// beyond pullPrewriteBytes (a rolled-back transaction's never leaves
// otherwise); a commit whose prewrite was dropped looks it up as before.
type pulledPrewrites struct {
	byStart map[int64][]byte
	order   []int64 // start_ts in the order kept, from head on
	head    int
	size    int
}

func (c *pulledPrewrites) put(start int64, payload []byte) {
	if len(payload) > pullPrewriteBytes {
		return
	}
	if c.byStart == nil {
		c.byStart = make(map[int64][]byte)
	}
	if old, ok := c.byStart[start]; ok {
		c.size -= len(old)
	} else {
		c.order = append(c.order, start)
	}
	c.byStart[start] = payload
	c.size += len(payload)
	for c.size > pullPrewriteBytes && c.head < len(c.order) {
		c.drop(c.order[c.head])
		c.head++
	}
	c.compact()
}

// take returns and forgets the prewrite of start, if kept.
func (c *pulledPrewrites) take(start int64) ([]byte, bool) {
	p, ok := c.byStart[start]
	if ok {
		c.drop(start)
		c.compact()
	}
	return p, ok
}

func (c *pulledPrewrites) drop(start int64) {
	if p, ok := c.byStart[start]; ok {
		c.size -= len(p)
		delete(c.byStart, start)
	}
}

// compact forgets the order of the starts no longer kept.
func (c *pulledPrewrites) compact() {
	switch {
	case len(c.byStart) == 0: // only starts taken or dropped
		c.order, c.head = c.order[:0], 0
	case c.head > 1024 && c.head*2 > len(c.order):
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
}
