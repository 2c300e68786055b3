package reparo

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

func runConfig(dir, dest string) *Config {
	c := DefaultConfig()
	c.DataDir, c.DestType = dir, dest
	c.ProgressInterval.Duration = 0
	return c
}

func TestRunMemoryFiltersAndRange(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, 0,
		ddlBinlog(tso(1), "use `db`; CREATE TABLE `t` (a int);"),
		dmlBinlog(tso(2), event(t, "db", "t", filepb.EventType_Insert, intCol("a", 1)),
			event(t, "db", "skip", filepb.EventType_Insert, intCol("a", 2))),
		dmlBinlog(tso(3), event(t, "db", "skip", filepb.EventType_Insert, intCol("a", 3))),
		dmlBinlog(tso(4), event(t, "db", "t", filepb.EventType_Delete, intCol("a", 1))))
	cfg := runConfig(dir, DestMemory)
	cfg.IgnoreTables = []TableName{{Schema: "db", Table: "skip"}}
	cfg.StopTSO = tso(3)
	r, err := New(cfg, Deps{})
	require.NoError(t, err)
	st, err := r.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(2), st.Binlogs)
	require.Equal(t, int64(1), st.Rows)
	txns := r.Memory().Txns()
	require.Len(t, txns, 2)
	require.Equal(t, &loader.DDL{Database: "db", Table: "t", SQL: "CREATE TABLE `t` (a int)"}, txns[0].DDL)
	require.Equal(t, []*loader.DML{{Database: "db", Table: "t", Tp: loader.InsertDMLType, Values: map[string]any{"a": int64(1)}}}, txns[1].DMLs)
	require.Len(t, r.Memory().Binlogs(), 2)
}

func TestRunPrintResumesFromCheckpointFile(t *testing.T) {
	dir := t.TempDir()
	var bls []*filepb.Binlog
	for s := int64(1); s <= 5; s++ {
		bls = append(bls, dmlBinlog(tso(s), event(t, "db", "t", filepb.EventType_Insert, intCol("a", s))))
	}
	writeFiles(t, dir, 0, bls...)
	cp := filepath.Join(t.TempDir(), "reparo.checkpoint")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	cfg := runConfig(dir, DestPrint)
	cfg.CheckpointFile = cp
	r, err := New(cfg, Deps{Stdout: &out, OnApplied: func(ts int64) {
		if ts == tso(2) {
			cancel()
		}
	}})
	require.NoError(t, err)
	_, err = r.Run(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 2, strings.Count(out.String(), "type: Insert"))

	out.Reset()
	r, err = New(cfg, Deps{Stdout: &out})
	require.NoError(t, err)
	st, err := r.Run(context.Background())
	require.NoError(t, err)
	require.True(t, st.Resumed)
	require.Equal(t, "schema: db; table: t; type: Insert\na(bigint): 3\n"+
		"schema: db; table: t; type: Insert\na(bigint): 4\n"+
		"schema: db; table: t; type: Insert\na(bigint): 5\n", out.String())
}

func TestRunReportsDamageAndContinues(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "binlog-0000000000000000-20190101010101")
	offsets := writeRaw(t, path, ddlBinlog(tso(1), "create database a;"), ddlBinlog(tso(2), "create database b;"),
		ddlBinlog(tso(3), "create database c;"))
	corruptAt(t, path, offsets[1]+1)
	var out bytes.Buffer
	r, err := New(runConfig(dir, DestPrint), Deps{Stdout: &out})
	require.NoError(t, err)
	st, err := r.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(1), st.Corrupt)
	require.Equal(t, "DDL query: create database a;\nDDL query: create database c;\n", out.String())
}
