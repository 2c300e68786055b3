package main

import (
	"testing"
	"time"
)

func TestPacerSpreadsTheWritersOverTheRate(t *testing.T) {
	start := time.Now()
	// 1,000 binlogs/s is 500 transactions/s: one every 2 ms, each of the 4
	// writers every 8 ms, writer w first at w*2 ms.
	for w := 0; w < 4; w++ {
		p := newPacer(1000, 4, w, start)
		if want := time.Duration(w) * 2 * time.Millisecond; p.next != want {
			t.Errorf("writer %d: first transaction at %v, want %v", w, p.next, want)
		}
		if p.step != 8*time.Millisecond {
			t.Errorf("writer %d: step %v, want 8ms", w, p.step)
		}
	}
	if p := newPacer(0, 4, 1, start); p != nil || !p.wait(start.Add(time.Hour)) {
		t.Fatal("rate 0 must not pace")
	}
}

func TestPacerDoesNotBurstWhenBehindAndStopsAtTheDeadline(t *testing.T) {
	// Started an hour ago: every due moment has passed, so wait returns at
	// once and the next one is a step after now, not a step after the last.
	start := time.Now().Add(-time.Hour)
	p := newPacer(1000, 4, 0, start)
	deadline := time.Now().Add(time.Hour)
	if !p.wait(deadline) {
		t.Fatal("a transaction due before the deadline must run")
	}
	if behind := time.Since(start.Add(p.next)); behind > 0 {
		t.Fatalf("after falling behind, the next transaction is still due %v ago: a burst would follow", behind)
	}
	p.next = time.Until(deadline) + time.Since(start) + time.Millisecond
	if p.wait(deadline) {
		t.Fatal("a transaction due after the deadline must not run")
	}
}
