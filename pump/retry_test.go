package pump

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryAttemptsAndBackoff(t *testing.T) {
	errNo := errors.New("no")
	calls := 0
	err := retry(context.Background(), retryPolicy{attempts: 3, backoff: time.Millisecond, factor: 2}, func() error {
		calls++
		return errNo
	})
	require.ErrorIs(t, err, errNo)
	require.Equal(t, 3, calls)

	calls = 0
	require.NoError(t, retry(context.Background(), retryPolicy{backoff: time.Millisecond}, func() error {
		calls++
		if calls < 5 {
			return errNo
		}
		return nil
	}), "no attempt limit: until success")
	require.Equal(t, 5, calls)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = retry(ctx, retryPolicy{backoff: time.Hour}, func() error { return errNo })
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, errNo)
}

func TestEveryWakesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{})
	steps := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		every(ctx, time.Hour, wake, func() { steps <- struct{}{} })
		close(done)
	}()
	wake <- struct{}{}
	<-steps
	cancel()
	<-done
}
