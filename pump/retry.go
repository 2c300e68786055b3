package pump

import (
	"context"
	"errors"
	"time"
)

// retryPolicy says how retry repeats: up to attempts calls (0: until
// success or ctx ends), backoff between two calls, multiplied by factor
// after each wait (0 or 1: a fixed interval).
type retryPolicy struct {
	attempts int
	backoff  time.Duration
	factor   int
}

// retry calls f until it succeeds, the attempts are spent (f's last error)
// or ctx ends (f's last error joined with ctx's).
func retry(ctx context.Context, p retryPolicy, f func() error) error {
	backoff := p.backoff
	for i := 1; ; i++ {
		err := f()
		if err == nil || (p.attempts > 0 && i >= p.attempts) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		if p.factor > 1 {
			backoff *= time.Duration(p.factor)
		}
	}
}

// every calls step every interval, and whenever wake (may be nil) receives,
// until ctx ends. It is the one ticker loop of the server's background
// tasks.
func every(ctx context.Context, interval time.Duration, wake <-chan struct{}, step func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		step()
	}
}
