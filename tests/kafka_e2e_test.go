//go:build integration

package tests

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap/zaptest"

	"github.com/openbinlog/tidb-binlog/arbiter"
	"github.com/openbinlog/tidb-binlog/drainer"
	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/sink/kafka"
	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// kafkaSink builds the drainer's Kafka sink from [syncer.to], as
// cmd/drainer does.
func kafkaSink(env drainer.SinkEnv) (sink.Sink, error) {
	to := env.Config.Syncer.To
	return kafka.New(kafka.Config{
		ZKAddrs: to.ZKAddrs, Addrs: to.KafkaAddrs, Version: to.KafkaVersion, MaxMessages: to.KafkaMaxMessages,
		MaxMessageSize: int64(to.KafkaMaxMessageSize), ClientID: to.KafkaClientID, Topic: to.TopicName,
		ClusterID: env.ClusterID,
	}, env.Schema, env.Logger, env.Registerer)
}

// TestKafkaEndToEnd: tidb-lite -> pump -> drainer (kafka) -> kfake ->
// arbiter -> MariaDB gives the upstream's tables.
func TestKafkaEndToEnd(t *testing.T) {
	requireDrainerBinary(t)
	kafkareader.RaiseSaramaLimits()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
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
	defer up.Close()

	topic := "kafka_e2e_" + randomSuffix() + "_obinlog"
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	defer kc.Close()

	srv := startKafkaDrainer(ctx, t, dir, pd.URL, tidb.StatusURL, kc.ListenAddrs()[0], topic)
	defer func() { require.NoError(t, srv.Close()) }()

	db := "kafka_test_" + randomSuffix()
	down, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/")
	require.NoError(t, err)
	cpSchema := db + "_cp"
	defer func() {
		_, _ = down.Exec("DROP DATABASE IF EXISTS " + db)
		_, _ = down.Exec("DROP DATABASE IF EXISTS " + cpSchema)
		_ = down.Close()
	}()
	acfg := arbiter.DefaultConfig()
	acfg.Up.KafkaAddrs = kc.ListenAddrs()[0]
	acfg.Up.Topic = topic
	acfg.Down.Host = "127.0.0.1"
	arb, err := arbiter.New(acfg, arbiter.Deps{Logger: zaptest.NewLogger(t).Named("arbiter"), CheckpointSchema: cpSchema})
	require.NoError(t, err)
	actx, acancel := context.WithCancel(ctx)
	arbDone := make(chan error, 1)
	go func() { arbDone <- arb.Run(actx) }()
	defer func() {
		acancel()
		require.NoError(t, <-arbDone)
	}()

	stmts := []string{"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(32), n BIGINT)"}
	for i := 0; i < 20; i++ {
		var vals []string
		for j := 0; j < 5; j++ {
			id := i*5 + j
			vals = append(vals, fmt.Sprintf("(%d, 'v%d', %d)", id, id, id*id))
		}
		stmts = append(stmts, "INSERT INTO "+db+".t VALUES "+strings.Join(vals, ", "))
	}
	stmts = append(stmts, "UPDATE "+db+".t SET v = 'changed', n = NULL WHERE id < 10",
		"DELETE FROM "+db+".t WHERE id >= 90", "INSERT INTO "+db+".t VALUES (1000, NULL, -1)")
	for _, q := range stmts {
		_, err := up.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	want := tableRows(t, up, db+".t")
	require.Len(t, want, 91)
	require.Eventually(t, func() bool {
		got := tableRows(t, down, db+".t")
		return equalRows(want, got)
	}, 2*time.Minute, 200*time.Millisecond, "MariaDB holds the upstream table")
}

func startKafkaDrainer(ctx context.Context, t *testing.T, dir, pdURL, statusURL, kafkaAddr, topic string) *drainer.Server {
	t.Helper()
	port, err := testcluster.FreePort()
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf := filepath.Join(dir, "drainer-kafka.toml")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "drainer-kafka"), 0o755))
	toml := fmt.Sprintf("[syncer]\ndb-type = \"kafka\"\n[syncer.to]\nkafka-addrs = %q\ntopic-name = %q\n", kafkaAddr, topic)
	require.NoError(t, writeFile(conf, toml))
	cfg := drainer.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", conf, "-addr", addr, "-advertise-addr", addr, "-pd-urls", pdURL,
		"-node-id", "drainer-kafka", "-data-dir", filepath.Join(dir, "drainer-kafka"), "-tidb-status-urls", statusURL}))
	srv, err := drainer.NewServer(cfg, zaptest.NewLogger(t).Named("drainer"), drainer.WithSink("kafka", kafkaSink),
		drainer.WithContext(ctx))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	return srv
}

// tableRows reads a table as text rows ordered by its first column; nil on
// error (the table may not exist yet).
func tableRows(t *testing.T, db *sql.DB, table string) [][]string {
	t.Helper()
	rs, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
	if err != nil {
		return nil
	}
	defer rs.Close()
	cols, err := rs.Columns()
	require.NoError(t, err)
	var out [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rs.Scan(ptrs...))
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	return out
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
