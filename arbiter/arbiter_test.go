package arbiter

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

func TestArbiterAppliesTopicAndExitsCleanly(t *testing.T) {
	e := newEnv(t)
	msgs := e.setup()
	want := map[int64]string{}
	for i := int64(1); i <= 50; i++ {
		msgs = append(msgs, e.dml(e.next(), insert(i, "a"), insert(i+1000, "b")))
		want[i] = "a"
	}
	msgs = append(msgs, e.dml(e.next(), update(7, "a", "seven"), del(8, "a")))
	want[7] = "seven"
	delete(want, 8)
	for i := int64(1); i <= 50; i++ {
		msgs = append(msgs, e.dml(e.next(), del(i+1000, "b")))
	}
	dup := msgs[10] // a drainer replay: applied once
	msgs = append(msgs[:12:12], append([][]byte{dup}, msgs[12:]...)...)
	e.produce(msgs...)
	last := e.ts

	reg := prometheus.NewRegistry()
	deps := e.deps()
	deps.Registerer = reg
	a, stop := e.start(e.config(), deps)
	require.Eventually(t, func() bool { return a.FinishTS() == last }, 60*time.Second, 20*time.Millisecond)
	require.Equal(t, want, e.rows())
	require.NoError(t, stop())
	ts, st := e.checkpoint()
	require.Equal(t, last, ts)
	require.Equal(t, StatusNormal, st)
	require.Equal(t, float64(100), counter(t, reg, "binlog_arbiter_event", "Insert"))
	require.Equal(t, float64(1), counter(t, reg, "binlog_arbiter_event", "Update"))
	require.Equal(t, float64(51), counter(t, reg, "binlog_arbiter_event", "Delete"))
	require.Equal(t, float64(2), counter(t, reg, "binlog_arbiter_event", "DDL"))

	// A restart reads nothing old and applies what is new.
	e.produce(e.dml(e.next(), insert(9999, "new")))
	want[9999] = "new"
	a, stop = e.start(e.config(), e.deps())
	require.Eventually(t, func() bool { return a.FinishTS() == e.ts }, 60*time.Second, 20*time.Millisecond)
	require.Equal(t, want, e.rows())
	require.NoError(t, stop())
}

// TestUncleanExitRunsSafeMode: after a run that did not exit cleanly the
// replayed transactions are applied in safe mode (a duplicate insert
// becomes a REPLACE); after a clean exit they are not.
func TestUncleanExitRunsSafeMode(t *testing.T) {
	e := newEnv(t)
	e.produce(e.setup()...)
	a, stop := e.start(e.config(), e.deps())
	require.Eventually(t, func() bool { return a.FinishTS() == e.ts }, 60*time.Second, 20*time.Millisecond)
	require.NoError(t, stop())
	applied := e.ts

	// The downstream already holds row 1 (applied before a crash whose
	// checkpoint was not saved), and the topic replays its insert.
	_, err := e.db.Exec(fmt.Sprintf("INSERT INTO `%s`.t VALUES (1, 'old')", e.dbName))
	require.NoError(t, err)
	e.produce(e.dml(e.next(), insert(1, "replayed")), e.dml(e.next(), insert(2, "x")))
	cp, err := NewCheckpoint(context.Background(), e.db, e.cpName, topic)
	require.NoError(t, err)

	require.NoError(t, cp.Save(context.Background(), applied, StatusNormal))
	cfg := e.config()
	a, err = New(cfg, e.deps())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = a.Run(ctx)
	require.ErrorContains(t, err, "Duplicate entry", "without safe mode the replayed insert is a duplicate")
	ts, st := e.checkpoint()
	require.Equal(t, applied, ts)
	require.Equal(t, StatusRunning, st)

	deps := e.deps()
	deps.SafeModeWindow = time.Hour
	a, stop = e.start(cfg, deps)
	require.Eventually(t, func() bool { return a.FinishTS() == e.ts }, 60*time.Second, 20*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, map[int64]string{1: "replayed", 2: "x"}, e.rows())
}

func TestForeignMessageStopsWithOffset(t *testing.T) {
	e := newEnv(t)
	msgs := e.setup()
	msgs = append(msgs, []byte("not a binlog"), e.dml(e.next(), insert(1, "a")))
	e.produce(msgs...)
	a, err := New(e.config(), e.deps())
	require.NoError(t, err)
	err = a.Run(context.Background())
	var de *kafkareader.DecodeError
	require.True(t, errors.As(err, &de), "%v", err)
	require.Equal(t, int64(2), de.Offset)
	require.Contains(t, err.Error(), "partition 0 offset 2")
	_, st := e.checkpoint()
	require.Equal(t, StatusRunning, st)
}

func TestInitialCommitTS(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.Exec(fmt.Sprintf("CREATE DATABASE `%s`", e.dbName))
	require.NoError(t, err)
	_, err = e.db.Exec(fmt.Sprintf("CREATE TABLE `%s`.t(id INT PRIMARY KEY, v VARCHAR(32))", e.dbName))
	require.NoError(t, err)
	e.produce(e.dml(e.next(), insert(1, "a")))
	from := e.ts
	e.produce(e.dml(e.next(), insert(2, "b")), e.dml(e.next(), insert(3, "c")))
	cfg := e.config()
	cfg.Up.InitialCommitTS = from
	a, stop := e.start(cfg, e.deps())
	require.Eventually(t, func() bool { return a.FinishTS() == e.ts }, 60*time.Second, 20*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, map[int64]string{2: "b", 3: "c"}, e.rows())
}

// counter reads a counter of the registry.
func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
