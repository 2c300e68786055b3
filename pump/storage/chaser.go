package storage

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

var errChaseStopped = errors.New("storage: slow chaser stopped")

// slowChaser feeds the KV writer from the value log when the KV queue was
// blocked too long: the value-log writer then stops forwarding and the
// chaser re-reads the records it skipped. It turns itself off once a
// catch-up pass is fast, under the write lock so that nothing is missed.
type slowChaser struct {
	vlog  *valueLog
	kvq   *kvQueue
	knobs knobs
	lg    *zap.Logger
	m     *metrics

	writer sync.Locker // held by the value-log writer around each group
	on     atomic.Bool
	wake   chan struct{} // cap 1
	stop   chan struct{}
	done   chan struct{}

	// owned by the chaser goroutine (and by Close after the goroutine ends)
	next         valuePointer // first record not yet forwarded
	group        uint64       // the write group of next: no record from next on is older
	lastRecovery time.Time
}

func newSlowChaser(v *valueLog, q *kvQueue, writer sync.Locker, k knobs, lg *zap.Logger, m *metrics) *slowChaser {
	return &slowChaser{vlog: v, kvq: q, writer: writer, knobs: k, lg: lg.With(zap.String("component", "slow chaser")), m: m,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (c *slowChaser) isOn() bool { return c.on.Load() }

// turnOn is called by the writer, holding its lock, with the first record
// it could not forward and its write group.
func (c *slowChaser) turnOn(next valuePointer, group uint64) {
	c.next, c.group = next, group
	c.on.Store(true)
	c.m.chaserCount.WithLabelValues("turned_on").Inc()
	c.lg.Warn("slow chaser turned on: the KV writer is blocked", zap.Uint32("fid", next.fid), zap.Int64("offset", next.offset))
	signal(c.wake)
}

func (c *slowChaser) run() {
	defer close(c.done)
	for {
		if !c.isOn() {
			select {
			case <-c.wake:
				continue
			case <-c.stop:
				return
			}
		}
		t0 := time.Now()
		n, err := c.catchUp(c.stop, time.Time{})
		took := time.Since(t0)
		c.m.chaserCatchUp.Observe(took.Seconds())
		if errors.Is(err, errChaseStopped) {
			return
		}
		if err != nil {
			c.lg.Error("slow chaser catch up failed", zap.Error(err))
		}
		if err == nil && took < c.knobs.catchUpThreshold && time.Since(c.lastRecovery) > c.knobs.recoveryCoolDown {
			c.recover()
			continue
		}
		if n == 0 || err != nil {
			select {
			case <-time.After(c.knobs.chaserPoll):
			case <-c.stop:
				return
			}
		}
	}
}

// recover stops the writer, catches up within recoveryTimeout and turns
// the chaser off.
func (c *slowChaser) recover() {
	c.lastRecovery = time.Now()
	c.writer.Lock()
	defer c.writer.Unlock()
	c.m.chaserCount.WithLabelValues("recovery").Inc()
	if _, err := c.catchUp(c.stop, time.Now().Add(c.knobs.recoveryTimeout)); err != nil {
		c.lg.Info("slow chaser recovery failed, retrying later", zap.Error(err))
		return
	}
	c.on.Store(false)
	c.m.chaserCount.WithLabelValues("turned_off").Inc()
	c.lg.Info("slow chaser turned off")
}

// catchUp forwards every durable record from c.next on and returns how
// many it forwarded.
func (c *slowChaser) catchUp(cancel <-chan struct{}, deadline time.Time) (int, error) {
	c.m.chaserCount.WithLabelValues("catch_up").Inc()
	n := 0
	var one [1]kvItem
	_, err := c.vlog.scan(c.next, func(p valuePointer, payload []byte) error {
		if it, ok := itemOfRecord(c.lg, p, payload); ok {
			// The record's own group is unknown but not older than c.group:
			// as a prewrite it blocks at least every commit it could block
			// (and keeps the sorter's pending prewrites in group order).
			it.group = c.group
			one[0] = it
			if !c.kvq.pushWait(one[:], cancel, deadline) {
				return errChaseStopped
			}
			n++
		}
		c.next = valuePointer{fid: p.fid, offset: p.offset + recordSize(len(payload))}
		return nil
	})
	return n, err
}

// finish stops the goroutine; if the chaser is still on, the rest of the
// value log is forwarded (blocking, until cancel is closed) so that Close
// indexes everything.
func (c *slowChaser) finish(cancel <-chan struct{}) {
	close(c.stop)
	<-c.done
	if c.isOn() {
		if _, err := c.catchUp(cancel, time.Time{}); err != nil {
			c.lg.Error("final slow chaser catch up failed", zap.Error(err))
		}
		c.on.Store(false)
	}
}
