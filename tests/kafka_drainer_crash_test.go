//go:build integration

package tests

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// TestKafkaDrainerKill9 kills the drainer process (Kafka sink, kfake
// broker in the test process) twice under continuous inserts and restarts
// it; the topic read with read-committed isolation must hold every
// acknowledged insert. Without exactly-once a replay may write a commit ts
// again (counted and logged); with exactly-once no commit ts is there twice.
func TestKafkaDrainerKill9(t *testing.T) {
	requireDrainerBinary(t)
	for _, tc := range []struct {
		name        string
		exactlyOnce bool
	}{{"at-least-once", false}, {"exactly-once", true}} {
		t.Run(tc.name, func(t *testing.T) { kafkaCrashRun(t, tc.exactlyOnce) })
	}
}

// kafkaCrashTopic is what a read-committed consumer saw on the topic so far.
type kafkaCrashTopic struct {
	mu       sync.Mutex
	ids      map[int64]int // inserted id -> times seen
	commits  map[int64]int // commit ts -> messages carrying it
	messages int
	err      error
}

func kafkaCrashRun(t *testing.T, exactlyOnce bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pd, err := testcluster.StartPDLite(ctx, binDir, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pd.Stop(10 * time.Second) })
	pump, err := testcluster.StartPump(ctx, binDir, dir, pd, "pump-1", testcluster.PumpOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pump.Stop(15 * time.Second) })
	tidb, err := testcluster.StartTiDBLite(ctx, binDir, dir, pd, "tidb-lite")
	require.NoError(t, err)
	t.Cleanup(func() { _ = tidb.Stop(15 * time.Second) })
	up, err := sql.Open("mysql", "root@tcp("+tidb.MySQLAddr+")/")
	require.NoError(t, err)
	t.Cleanup(func() { _ = up.Close() })

	topic := "kafka_crash_" + randomSuffix() + "_obinlog"
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	t.Cleanup(kc.Close)

	toml := fmt.Sprintf("[syncer]\ndb-type = \"kafka\"\n[syncer.to]\nkafka-addrs = %q\ntopic-name = %q\nexactly-once = %v\n",
		kc.ListenAddrs()[0], topic, exactlyOnce)
	// -data-dir does not exist yet: the drainer creates it (its file
	// checkpoint lives there).
	d, err := testcluster.StartDrainer(ctx, binDir, dir, pd, "drainer-kafka", testcluster.DrainerOptions{
		TOML: toml, ExtraArgs: []string{"-tidb-status-urls", tidb.StatusURL}})
	require.NoError(t, err, "drainer did not start")
	t.Cleanup(func() {
		_ = d.Stop(20 * time.Second)
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(d.Dir, "drainer.log"))
			t.Logf("drainer output:\n%s\ndrainer log (tail):\n%s", d.Output(), testcluster.Tail(string(b), 8000))
		}
	})

	db := "kafka_test_kill_" + randomSuffix()
	for _, q := range []string{"CREATE DATABASE " + db, "CREATE TABLE " + db + ".t (id BIGINT PRIMARY KEY, v INT)"} {
		_, err := up.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}

	seen := &kafkaCrashTopic{ids: map[int64]int{}, commits: map[int64]int{}}
	cctx, ccancel := context.WithCancel(ctx)
	consumerDone := make(chan struct{})
	go func() {
		defer close(consumerDone)
		kafkaCrashConsume(cctx, kc.ListenAddrs(), topic, db, seen)
	}()
	defer func() { ccancel(); <-consumerDone }()

	acked := kafkaCrashLoad(ctx, t, up, db, d)
	missing := 0
	defer func() {
		if t.Failed() {
			seen.mu.Lock()
			t.Logf("%d of %d acknowledged inserts missing; %d messages seen (err %v)", missing, len(acked), seen.messages, seen.err)
			seen.mu.Unlock()
		}
	}()

	require.Eventually(t, func() bool {
		seen.mu.Lock()
		defer seen.mu.Unlock()
		if seen.err != nil {
			return true
		}
		missing = 0
		for _, id := range acked {
			if seen.ids[id] == 0 {
				missing++
			}
		}
		return missing == 0
	}, 3*time.Minute, 200*time.Millisecond, "the topic holds every acknowledged insert")

	seen.mu.Lock()
	defer seen.mu.Unlock()
	require.NoError(t, seen.err)
	dupCommits, dupIDs := 0, 0
	for _, n := range seen.commits {
		if n > 1 {
			dupCommits++
		}
	}
	for _, n := range seen.ids {
		if n > 1 {
			dupIDs++
		}
	}
	t.Logf("exactly-once=%v: %d inserts acknowledged, %d messages, %d distinct commit ts, "+
		"%d commit ts written more than once, %d ids written more than once",
		exactlyOnce, len(acked), seen.messages, len(seen.commits), dupCommits, dupIDs)
	if exactlyOnce {
		require.Zero(t, dupCommits, "exactly-once: no commit ts twice on the topic")
		require.Zero(t, dupIDs, "exactly-once: no insert twice on the topic")
	}
}

// kafkaCrashLoad inserts rows (one transaction each) from 3 writers while
// the drainer is killed with SIGKILL and restarted twice; it returns the ids
// tidb-lite acknowledged.
func kafkaCrashLoad(ctx context.Context, t *testing.T, up *sql.DB, db string, d *testcluster.Drainer) []int64 {
	t.Helper()
	var stop atomic.Bool
	var writes atomic.Int64
	var mu sync.Mutex
	var acked []int64
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := int64(0); !stop.Load() && ctx.Err() == nil; i++ {
				id := int64(w)*10_000_000 + i
				if _, err := up.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s.t VALUES (%d, %d)", db, id, w)); err == nil {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
					writes.Add(1)
				}
			}
		}(w)
	}
	defer func() { stop.Store(true); wg.Wait() }()
	for round, target := range []int64{200, 600} {
		require.Eventually(t, func() bool { return writes.Load() > target }, 2*time.Minute, 50*time.Millisecond)
		require.NoError(t, d.Kill(), "kill %d", round+1)
		require.NoError(t, d.StartReady(ctx), "restart %d", round+1)
	}
	end := writes.Load() + 200
	require.Eventually(t, func() bool { return writes.Load() > end }, 2*time.Minute, 50*time.Millisecond)
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return append([]int64(nil), acked...)
}

// kafkaCrashConsume reads partition 0 of the topic from the start with
// read-committed isolation until ctx ends, recording the commit ts of every
// message and the ids inserted into db.t.
func kafkaCrashConsume(ctx context.Context, addrs []string, topic, db string, seen *kafkaCrashTopic) {
	fail := func(err error) {
		seen.mu.Lock()
		seen.err = err
		seen.mu.Unlock()
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	cfg.Consumer.Return.Errors = true
	c, err := sarama.NewConsumer(addrs, cfg)
	if err != nil {
		fail(err)
		return
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail(err)
		return
	}
	defer pc.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-pc.Errors():
			fail(err)
			return
		case m := <-pc.Messages():
			if err := kafkaCrashRecord(m, db, seen); err != nil {
				fail(err)
				return
			}
		}
	}
}

// kafkaCrashRecord decodes one message into seen.
func kafkaCrashRecord(m *sarama.ConsumerMessage, db string, seen *kafkaCrashTopic) error {
	var b secondarypb.Binlog
	if err := proto.Unmarshal(m.Value, &b); err != nil {
		return fmt.Errorf("offset %d: %w", m.Offset, err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	seen.messages++
	seen.commits[b.GetCommitTs()]++
	for _, tbl := range b.GetDmlData().GetTables() {
		if tbl.GetSchemaName() != db || tbl.GetTableName() != "t" {
			continue
		}
		for _, mu := range tbl.GetMutations() {
			if mu.GetType() == secondarypb.MutationType_Insert {
				seen.ids[mu.GetRow().GetColumns()[0].GetInt64Value()]++
			}
		}
	}
	return nil
}
