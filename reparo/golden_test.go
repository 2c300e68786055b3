package reparo

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// goldenValue is a Go value as the golden file writes it.
type goldenValue struct {
	GoType string `json:"go_type"`
	Value  string `json:"value"`
	Hex    string `json:"hex"`
}

type goldenDML struct {
	Database  string                 `json:"database"`
	Table     string                 `json:"table"`
	Tp        string                 `json:"tp"`
	Values    map[string]goldenValue `json:"values"`
	OldValues map[string]goldenValue `json:"old_values"`
}

type goldenFile struct {
	DMLBinlogs []struct {
		CommitTS int64       `json:"commit_ts"`
		Step     string      `json:"step"`
		PBHex    string      `json:"file_sink_pb_binlog_hex"`
		DMLs     []goldenDML `json:"mysql_txn_dmls"`
	} `json:"dml_binlogs"`
	DDLBinlogs []struct {
		CommitTS int64  `json:"commit_ts"`
		Query    string `json:"file_sink_ddl_query"`
		PBHex    string `json:"file_sink_pb_binlog_hex"`
		DDL      struct {
			Database string `json:"database"`
			Table    string `json:"table"`
			SQL      string `json:"sql"`
		} `json:"mysql_txn_ddl"`
	} `json:"ddl_binlogs"`
	BinlogFile struct {
		Records []struct {
			PayloadHex string `json:"payload_hex"`
		} `json:"records"`
	} `json:"binlogfile"`
}

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "drainer_outputs.json"))
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(raw, &g))
	require.Len(t, g.DMLBinlogs, 27)
	require.Len(t, g.DDLBinlogs, 14)
	return &g
}

func unhexBinlog(t testing.TB, s string) *filepb.Binlog {
	t.Helper()
	raw, err := hex.DecodeString(s)
	require.NoError(t, err)
	b := new(filepb.Binlog)
	require.NoError(t, proto.Unmarshal(raw, b))
	return b
}

// requireSameValue compares a translated value with the drainer's MySQL
// sink value: the same Go type and value, except that BLOB bytes (a Go
// string in the drainer's Txn) may be []byte, as in the original reparo.
func requireSameValue(t *testing.T, want goldenValue, got any, what string) {
	t.Helper()
	if want.GoType == "nil" {
		require.Nil(t, got, what)
		return
	}
	wantText := want.Value
	if want.Hex != "" {
		b, err := hex.DecodeString(want.Hex)
		require.NoError(t, err)
		wantText = string(b)
	}
	switch v := got.(type) {
	case []byte:
		require.Equal(t, "string", want.GoType, what)
		require.Equal(t, wantText, string(v), what)
	case float32:
		require.Equal(t, want.GoType, "float32", what)
		require.Equal(t, wantText, strconv.FormatFloat(float64(v), 'g', -1, 32), what)
	case float64:
		require.Equal(t, want.GoType, "float64", what)
		require.Equal(t, wantText, strconv.FormatFloat(v, 'g', -1, 64), what)
	default:
		require.Equal(t, want.GoType, fmt.Sprintf("%T", got), what)
		require.Equal(t, wantText, fmt.Sprint(got), what)
	}
}

func requireSameRow(t *testing.T, want map[string]goldenValue, got map[string]any, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for name, w := range want {
		g, ok := got[name]
		require.True(t, ok, "%s: column %s missing", what, name)
		requireSameValue(t, w, g, what+"."+name)
	}
}

// TestGoldenDMLTxns: the Txn reparo derives from each file-sink binlog of
// the original drainer equals the Txn the original drainer's MySQL sink
// made of the same TiDB binlog (every column type of t_all).
func TestGoldenDMLTxns(t *testing.T) {
	g := loadGolden(t)
	types := map[string]loader.DMLType{"Insert(1)": loader.InsertDMLType, "Update(2)": loader.UpdateDMLType, "Delete(3)": loader.DeleteDMLType}
	for _, gb := range g.DMLBinlogs {
		t.Run(gb.Step, func(t *testing.T) {
			b := unhexBinlog(t, gb.PBHex)
			require.Equal(t, gb.CommitTS, b.GetCommitTs())
			// The golden drainer ran in UTC.
			txn, err := newTranslatorIn(time.UTC).binlogToTxn(b)
			require.NoError(t, err)
			require.False(t, txn.IsDDL())
			require.Len(t, txn.DMLs, len(gb.DMLs))
			for i, want := range gb.DMLs {
				got := txn.DMLs[i]
				what := fmt.Sprintf("dml %d", i)
				require.Equal(t, want.Database, got.Database, what)
				require.Equal(t, want.Table, got.Table, what)
				require.Equal(t, types[want.Tp], got.Tp, what)
				requireSameRow(t, want.Values, got.Values, what+" values")
				if want.OldValues == nil {
					require.Nil(t, got.OldValues, what)
				} else {
					requireSameRow(t, want.OldValues, got.OldValues, what+" old values")
				}
			}
		})
	}
}

// TestGoldenDDLTxns: the DDL reparo applies is the drainer's MySQL-sink DDL.
func TestGoldenDDLTxns(t *testing.T) {
	g := loadGolden(t)
	for _, gd := range g.DDLBinlogs {
		b := unhexBinlog(t, gd.PBHex)
		require.Equal(t, gd.Query, string(b.GetDdlQuery()))
		txn, err := BinlogToTxn(b)
		require.NoError(t, err)
		require.True(t, txn.IsDDL())
		require.Equal(t, gd.DDL.Database, txn.DDL.Database, gd.Query)
		require.Equal(t, gd.DDL.Table, txn.DDL.Table, gd.Query)
		require.Equal(t, gd.DDL.SQL, txn.DDL.SQL, gd.Query)
	}
}

// TestGoldenBinlogFile reads the binlog file written by the original
// drainer's binlogfile: the three records, in order.
func TestGoldenBinlogFile(t *testing.T) {
	g := loadGolden(t)
	src, err := openSource("testdata", 0, 0, zap.NewNop(), func(err error) { t.Fatalf("damage: %v", err) })
	require.NoError(t, err)
	defer src.Close()
	require.Len(t, src.files, 1)
	for i, r := range g.BinlogFile.Records {
		rec, err := src.Next()
		require.NoError(t, err, "record %d", i)
		want := unhexBinlog(t, r.PayloadHex)
		require.True(t, proto.Equal(want, rec.Binlog), "record %d", i)
		require.Equal(t, "binlog-0000000000000000-20261206061048", filepath.Base(rec.File))
	}
	_, err = src.Next()
	require.ErrorIs(t, err, io.EOF)
}

// TestGoldenBinlogFileRun restores the original's binlog file with the
// memory destination: its transactions are the drainer's MySQL-sink ones,
// and its print output is the expected one.
func TestGoldenBinlogFileRun(t *testing.T) {
	g := loadGolden(t)
	cfg := DefaultConfig()
	cfg.DataDir, cfg.DestType = "testdata", DestMemory
	cfg.ProgressInterval.Duration = 0
	r, err := New(cfg, Deps{Location: time.UTC})
	require.NoError(t, err)
	st, err := r.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(3), st.Binlogs)
	txns := r.Memory().Txns()
	require.Len(t, txns, 3)
	require.True(t, txns[0].IsDDL())
	require.Equal(t, g.DDLBinlogs[1].DDL.SQL, txns[0].DDL.SQL)
	found := 0
	for _, txn := range txns[1:] {
		for _, gb := range g.DMLBinlogs {
			if gb.CommitTS != txn.CommitTS {
				continue
			}
			found++
			require.Len(t, txn.DMLs, len(gb.DMLs))
			for i, want := range gb.DMLs {
				requireSameRow(t, want.Values, txn.DMLs[i].Values, gb.Step)
			}
		}
	}
	require.Equal(t, 2, found)

	var out bytes.Buffer
	for _, b := range r.Memory().Binlogs() {
		require.NoError(t, PrintBinlog(&out, b))
	}
	want, err := os.ReadFile(filepath.Join("testdata", "print_expected.txt"))
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		require.Contains(t, string(want), line+"\n")
	}
}
