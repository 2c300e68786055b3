package loader

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goldenValue is a Go value as the golden file encodes it.
type goldenValue struct {
	GoType string `json:"go_type"`
	Value  string `json:"value"`
	Hex    string `json:"hex"`
}

func (g goldenValue) decode(t *testing.T) any {
	t.Helper()
	switch g.GoType {
	case "nil":
		return nil
	case "int64":
		v, err := strconv.ParseInt(g.Value, 10, 64)
		require.NoError(t, err)
		return v
	case "uint64":
		v, err := strconv.ParseUint(g.Value, 10, 64)
		require.NoError(t, err)
		return v
	case "float64":
		v, err := strconv.ParseFloat(g.Value, 64)
		require.NoError(t, err)
		return v
	case "float32":
		v, err := strconv.ParseFloat(g.Value, 32)
		require.NoError(t, err)
		return float32(v)
	case "string", "[]uint8":
		s := g.Value
		if g.Hex != "" {
			b, err := hex.DecodeString(g.Hex)
			require.NoError(t, err)
			s = string(b)
		}
		if g.GoType == "[]uint8" {
			return []byte(s)
		}
		return s
	}
	t.Fatalf("unknown golden go_type %q", g.GoType)
	return nil
}

type goldenStmt struct {
	SQL  string        `json:"sql"`
	Args []goldenValue `json:"args"`
}

type goldenDML struct {
	Database   string                 `json:"database"`
	Table      string                 `json:"table"`
	Tp         string                 `json:"tp"`
	CommitTS   int64                  `json:"commit_ts"`
	Values     map[string]goldenValue `json:"values"`
	OldValues  map[string]goldenValue `json:"old_values"`
	Downstream struct {
		Columns    []string `json:"columns"`
		UniqueKeys []struct {
			Name    string   `json:"name"`
			Columns []string `json:"columns"`
		} `json:"unique_keys_in_order"`
	} `json:"loader_downstream_table"`
	Normal []goldenStmt `json:"loader_normal_mode"`
	Safe   []goldenStmt `json:"loader_safe_mode"`
}

type goldenDDL struct {
	CommitTS int64 `json:"commit_ts"`
	Txn      struct {
		Database   string `json:"database"`
		Table      string `json:"table"`
		SQL        string `json:"sql"`
		ShouldSkip bool   `json:"should_skip"`
	} `json:"txn"`
	Loader struct {
		Processed  string   `json:"process_ddl_query"`
		Statements []string `json:"statements_in_one_txn"`
	} `json:"loader"`
}

type goldenFile struct {
	DMLs []goldenDML `json:"dmls"`
	DDLs []goldenDDL `json:"ddls"`
}

func loadGolden(t *testing.T) goldenFile {
	t.Helper()
	b, err := os.ReadFile("testdata/golden_loader.json")
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(b, &g))
	require.NotEmpty(t, g.DMLs)
	return g
}

func decodeValues(t *testing.T, m map[string]goldenValue) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v.decode(t)
	}
	return out
}

func (g goldenDML) dml(t *testing.T) *DML {
	tp := map[string]DMLType{"Insert": InsertDMLType, "Update": UpdateDMLType, "Delete": DeleteDMLType}[g.Tp[:strings.Index(g.Tp, "(")]]
	require.NotZero(t, tp, g.Tp)
	return &DML{Database: g.Database, Table: g.Table, Tp: tp, Values: decodeValues(t, g.Values), OldValues: decodeValues(t, g.OldValues)}
}

func (g goldenDML) info() *tableInfo {
	var keys []indexInfo
	for _, k := range g.Downstream.UniqueKeys {
		keys = append(keys, indexInfo{name: k.Name, columns: k.Columns})
	}
	return newTableInfo(g.Downstream.Columns, nil, keys)
}

func requireStmts(t *testing.T, want []goldenStmt, got []stmt) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].SQL, got[i].sql)
		wantArgs := make([]any, len(want[i].Args))
		for k, a := range want[i].Args {
			wantArgs[k] = a.decode(t)
		}
		require.Equal(t, wantArgs, got[i].args, want[i].SQL)
	}
}

// TestGoldenSQL checks that every DML of the golden transactions gives the
// SQL text and arguments the original loader built, in normal and safe mode.
func TestGoldenSQL(t *testing.T) {
	for i, g := range loadGolden(t).DMLs {
		t.Run(strconv.Itoa(i)+"_"+g.Table+"_"+g.Tp, func(t *testing.T) {
			for _, mode := range []SyncMode{FullColumn, PartialColumn} {
				rc := newRowChange(&Txn{CommitTS: g.CommitTS}, g.dml(t), g.info(), mode)
				requireStmts(t, g.Normal, rc.normalSQL())
				requireStmts(t, g.Safe, rc.safeSQL())
				// One row folds to the same statement.
				requireStmts(t, g.Normal, buildStatements([]*rowChange{rc}, false))
			}
		})
	}
}

// TestGoldenDDL checks the statements a DDL runs as.
func TestGoldenDDL(t *testing.T) {
	for _, g := range loadGolden(t).DDLs {
		d := &DDL{Database: g.Txn.Database, Table: g.Txn.Table, SQL: g.Txn.SQL, ShouldSkip: g.Txn.ShouldSkip}
		require.Equal(t, g.Loader.Processed, processDDLQuery(d.SQL))
		require.Equal(t, g.Loader.Statements, ddlStatements(d))
	}
}
