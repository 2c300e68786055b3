package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
	"github.com/openbinlog/tidb-binlog/reparo"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("reparo", flag.ContinueOnError)
	reparo.DefaultConfig().AddFlags(fs)
	testutil.RequireFlagTable(t, "README.md", fs, nil)
}

func TestSampleConfigParses(t *testing.T) {
	cfg := reparo.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", "reparo.toml"}))
	require.Equal(t, "./data.drainer", cfg.DataDir)
	require.Equal(t, reparo.DestMySQL, cfg.DestType)
	require.Equal(t, &reparo.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}, cfg.DestDB)
	def := reparo.DefaultConfig()
	def.DataDir, def.DestType, def.DestDB = cfg.DataDir, cfg.DestType, cfg.DestDB
	def.DoDBs, def.IgnoreDBs = cfg.DoDBs, cfg.IgnoreDBs
	require.Equal(t, def.String(), cfg.String(), "the sample holds the defaults")
}

func TestRunVersionAndBadFlags(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(ctx, []string{"-V"}, &out, &errOut, false))
	require.NotEmpty(t, out.String())

	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, []string{"-no-such-flag"}, &out, &errOut, false))
	require.Contains(t, errOut.String(), "no-such-flag")

	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, []string{"-dest-type", "print"}, &out, &errOut, false))
	require.Contains(t, errOut.String(), "data-dir")

	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, []string{"-dest-type", "mysql", "-data-dir", t.TempDir()}, &out, &errOut, false))
	require.Contains(t, errOut.String(), "config file")

	errOut.Reset()
	args := []string{"-data-dir", t.TempDir(), "-start-tso", "10", "-stop-tso", "5"}
	require.Equal(t, exitConfig, run(ctx, args, &out, &errOut, false))
	require.Contains(t, errOut.String(), "before the start")
}

func TestRunEmptyDirectoryFails(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := t.TempDir()
	code := run(context.Background(), []string{"-data-dir", dir, "-L", "error"}, &out, &errOut, false)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errOut.String(), "no binlog files")
}

func TestRunPrintsGoldenFile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "reparo", "testdata", "binlog-0000000000000000-20261206061048"))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000000-20261206061048"), src, 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-data-dir", dir, "-L", "error"}, &out, &errOut, false)
	require.Equal(t, exitOK, code, errOut.String())
	require.Contains(t, out.String(), "DDL query: use `goldendb`; CREATE TABLE `t_all`")
	require.Contains(t, out.String(), "schema: goldendb; table: t_all; type: Insert\nid(bigint): 1\n")
}

func TestRunUnreachableMySQL(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "reparo", "testdata", "binlog-0000000000000000-20261206061048"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000000-20261206061048"), src, 0o644))
	conf := filepath.Join(t.TempDir(), "r.toml")
	require.NoError(t, os.WriteFile(conf, []byte("dest-type = \"mysql\"\n[dest-db]\nhost = \"127.0.0.1\"\nport = 1\nuser = \"root\"\n"), 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-config", conf, "-data-dir", dir, "-L", "fatal"}, &out, &errOut, false)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errOut.String(), "unreachable")
	require.Contains(t, errOut.String(), "127.0.0.1:1")
}

func TestRunDamagedRecordExitsWithStatus3(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "reparo", "testdata", "binlog-0000000000000000-20261206061048"))
	require.NoError(t, err)
	src[40] ^= 0xff // inside the first record's payload: its checksum fails
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000000-20261206061048"), src, 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-data-dir", dir, "-L", "fatal"}, &out, &errOut, false)
	require.Equal(t, exitDamaged, code, errOut.String())
	require.Contains(t, errOut.String(), "1 damaged binlog records were skipped")
	require.NotContains(t, out.String(), "CREATE TABLE `t_all`", "the damaged first record")
	require.Contains(t, out.String(), "schema: goldendb; table: t_all; type: Insert", "the records after it")
}

func TestRunOnTerminalPrintsSummary(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "reparo", "testdata", "binlog-0000000000000000-20261206061048"))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000000-20261206061048"), src, 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-data-dir", dir, "-dest-type", "memory", "-L", "fatal"}, &out, &errOut, true)
	require.Equal(t, exitOK, code)
	require.Empty(t, out.String())
	require.Contains(t, errOut.String(), "done: files 1, binlogs 3, rows 5,")
}
