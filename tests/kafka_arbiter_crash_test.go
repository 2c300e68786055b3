//go:build integration

package tests

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// arbiterBinary is bin/arbiter, or one built for the test.
func arbiterBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "arbiter")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	bin = filepath.Join(t.TempDir(), "arbiter")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/arbiter").CombinedOutput()
	require.NoError(t, err, "build arbiter: %s", out)
	return bin
}

// crashTxn is a secondary binlog inserting rows first..first+n-1 of t and
// updating row first-1 (so a replay outside safe mode fails on a duplicate).
func crashTxn(db string, ts, first int64, n int) []byte {
	cols := []*secondarypb.ColumnInfo{
		{Name: proto.String("id"), MysqlType: proto.String("int"), IsPrimaryKey: proto.Bool(true), Flen: proto.Int32(11), Decimal: proto.Int32(0)},
		{Name: proto.String("n"), MysqlType: proto.String("bigint"), IsPrimaryKey: proto.Bool(false), Flen: proto.Int32(20), Decimal: proto.Int32(0)},
	}
	row := func(id, v int64) *secondarypb.Row {
		return &secondarypb.Row{Columns: []*secondarypb.Column{{Int64Value: proto.Int64(id)}, {Int64Value: proto.Int64(v)}}}
	}
	tbl := &secondarypb.Table{SchemaName: proto.String(db), TableName: proto.String("t"), ColumnInfo: cols,
		UniqueKeys: []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"id"}}}}
	for i := range int64(n) {
		tbl.Mutations = append(tbl.Mutations, &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: row(first+i, 0)})
	}
	if first > 0 {
		tbl.Mutations = append(tbl.Mutations, &secondarypb.TableMutation{Type: secondarypb.MutationType_Update.Enum(),
			Row: row(first-1, ts), ChangeRow: row(first-1, 0)})
	}
	b, err := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}})
	if err != nil {
		panic(err)
	}
	return b
}

// TestArbiterKill9Restart: arbiter killed mid-stream restarts from its
// checkpoint in safe mode and the table converges; a clean stop saves
// status Normal.
func TestArbiterKill9Restart(t *testing.T) {
	bin := arbiterBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	topic := "arbiter_crash_" + randomSuffix()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	defer kc.Close()
	down, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/")
	require.NoError(t, err)
	db := "kafka_test_crash_" + randomSuffix()
	defer func() {
		_, _ = down.Exec("DROP DATABASE IF EXISTS " + db)
		_, _ = down.Exec("DELETE FROM tidb_binlog.arbiter_checkpoint WHERE topic_name = ?", topic)
		_ = down.Close()
	}()
	_, err = down.ExecContext(ctx, "CREATE DATABASE "+db)
	require.NoError(t, err)
	_, err = down.ExecContext(ctx, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, n BIGINT)")
	require.NoError(t, err)

	const txns, rows = 3000, 5
	var msgs []*sarama.ProducerMessage
	for i := range int64(txns) {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(crashTxn(db, (i+1)<<18, i*rows, rows))})
	}
	pcfg := sarama.NewConfig()
	pcfg.Version = sarama.V0_11_0_0
	pcfg.Producer.Return.Successes = true
	pcfg.Producer.Partitioner = sarama.NewManualPartitioner
	prod, err := sarama.NewSyncProducer(kc.ListenAddrs(), pcfg)
	require.NoError(t, err)
	defer prod.Close()
	// The topic is produced in three parts, so that the kill happens after a
	// saved checkpoint and the restart always has work left, whatever the
	// arbiter's speed: part 1 is applied and saved, part 2 is produced and
	// the arbiter killed at once (usually mid-apply), part 3 comes after the
	// kill.
	third := txns / 3
	require.NoError(t, prod.SendMessages(msgs[:third]))

	dir := t.TempDir()
	conf := filepath.Join(dir, "arbiter.toml")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(
		"[up]\nkafka-addrs = %q\ntopic = %q\n[down]\nhost = \"127.0.0.1\"\nport = 3306\nuser = \"root\"\nworker-count = 4\nbatch-size = 16\n",
		kc.ListenAddrs()[0], topic)), 0o644))
	p := &testcluster.Process{Name: "arbiter", Bin: bin, Dir: dir, Args: []string{"-config", conf, "-log-file", filepath.Join(dir, "arbiter.log")}}
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "arbiter.log"))
			t.Logf("arbiter output:\n%s\nlog:\n%s", p.Output(), testcluster.Tail(string(b), 6000))
		}
	}()
	checkpoint := func() (ts int64, status int) {
		err := down.QueryRow("SELECT ts, status FROM tidb_binlog.arbiter_checkpoint WHERE topic_name = ?", topic).Scan(&ts, &status)
		if err != nil {
			return -1, -1
		}
		return ts, status
	}
	count := func() int {
		var n int
		_ = down.QueryRow("SELECT COUNT(*) FROM " + db + ".t").Scan(&n)
		return n
	}

	require.NoError(t, p.Start())
	require.Eventually(t, func() bool {
		ts, st := checkpoint()
		return ts == int64(third)<<18 && st == 1
	}, 2*time.Minute, 20*time.Millisecond, "arbiter applies part 1 and saves a Running checkpoint")
	require.NoError(t, prod.SendMessages(msgs[third:2*third]))
	require.NoError(t, p.Kill())
	killedAt, st := checkpoint()
	require.Equal(t, 1, st, "a killed arbiter leaves status Running")
	require.GreaterOrEqual(t, killedAt, int64(third)<<18)
	require.NoError(t, prod.SendMessages(msgs[2*third:]))

	require.NoError(t, p.Start())
	require.Eventually(t, func() bool { return count() == txns*rows }, 2*time.Minute, 100*time.Millisecond)
	require.Eventually(t, func() bool { ts, _ := checkpoint(); return ts == int64(txns)<<18 }, time.Minute, 100*time.Millisecond)
	require.NoError(t, p.Stop(30*time.Second))
	_, st = checkpoint()
	require.Equal(t, 0, st, "a clean stop saves status Normal")
	var bad int
	require.NoError(t, down.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s.t WHERE id < %d AND n <> ((id DIV %d + 2) << 18) AND id %% %d = %d",
		db, (txns-1)*rows, rows, rows, rows-1)).Scan(&bad))
	require.Zero(t, bad, "every update is applied")
	b, err := os.ReadFile(filepath.Join(dir, "arbiter.log"))
	require.NoError(t, err)
	require.True(t, strings.Contains(string(b), "safe mode"), "the restart runs in safe mode")
}
