package main

import "time"

// pacer spaces one writer's transactions for an open-loop load (-rate):
// the writers together start rate/2 transactions per second (two binlogs
// each), writer w of n at the moments start + (w + i*n) / (rate/2). A
// writer that falls behind starts its next transaction at once and does
// not try to catch up with a burst, so the load never exceeds the rate;
// when the machine cannot keep up, the measured binlogs/s says so.
type pacer struct {
	next, step time.Duration // from start
	start      time.Time
}

// newPacer returns nil (no pacing) for rate 0.
func newPacer(rate float64, writers, w int, start time.Time) *pacer {
	if rate <= 0 {
		return nil
	}
	txnGap := time.Duration(float64(time.Second) / (rate / 2))
	return &pacer{next: time.Duration(w) * txnGap, step: time.Duration(writers) * txnGap, start: start}
}

// wait sleeps until the writer's next transaction is due and reports false
// when that moment is past the deadline.
func (p *pacer) wait(deadline time.Time) bool {
	if p == nil {
		return true
	}
	due := p.start.Add(p.next)
	if due.After(deadline) {
		return false
	}
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	} else {
		p.next = time.Since(p.start) // behind: no burst to catch up
	}
	p.next += p.step
	return true
}
