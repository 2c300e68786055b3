package ratelog

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestFailuresLogOncePerChangeAndRemind(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	f := New(zap.New(core), "write fake binlog failed", time.Minute)
	clock := time.Unix(1000, 0)
	f.now = func() time.Time { return clock }
	errFull := errors.New("no space left on device")

	for range 300 { // 200 ms apart: one minute
		f.Fail(errFull)
		clock = clock.Add(200 * time.Millisecond)
	}
	f.Fail(errFull) // a minute after the first line: a reminder
	f.OK()
	f.OK()
	f.Fail(errFull)

	msgs := []string{}
	for _, e := range logs.All() {
		msgs = append(msgs, e.Message)
	}
	require.Equal(t, []string{
		"write fake binlog failed",
		"write fake binlog failed (still failing)",
		"write fake binlog failed: recovered",
		"write fake binlog failed",
	}, msgs)
	require.Equal(t, int64(300), logs.All()[1].ContextMap()["failuresSinceLastLog"])
	require.Equal(t, int64(301), logs.All()[2].ContextMap()["failures"])
}

func TestNilLogger(t *testing.T) {
	f := New(nil, "x", time.Second)
	f.Fail(errors.New("e"))
	f.OK()
}
