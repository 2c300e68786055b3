package kafkareader

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

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
	DML []struct {
		CommitTS int64       `json:"commit_ts"`
		Step     string      `json:"step"`
		KafkaHex string      `json:"kafka_hex"`
		DMLs     []goldenDML `json:"mysql_txn_dmls"`
	} `json:"dml"`
	DDL []struct {
		CommitTS int64  `json:"commit_ts"`
		KafkaHex string `json:"kafka_hex"`
		Data     struct {
			Schema string `json:"schema_name"`
			Table  string `json:"table_name"`
			Query  string `json:"ddl_query"`
		} `json:"kafka_ddl_data"`
	} `json:"ddl"`
}

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(raw, &g))
	return &g
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// text renders a value the way the golden file does, for comparison.
func text(v any, goldenType string) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []byte:
		return string(x)
	case float64:
		if goldenType == "float32" {
			return strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func goldenText(t testing.TB, g goldenValue) string {
	if g.GoType == "nil" {
		return "nil"
	}
	if g.Hex != "" {
		return string(mustHex(t, g.Hex))
	}
	return g.Value
}

func requireValues(t *testing.T, want map[string]goldenValue, got map[string]any, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for name, gv := range want {
		v, ok := got[name]
		require.True(t, ok, "%s: column %s missing", what, name)
		require.Equal(t, goldenText(t, gv), text(v, gv.GoType), "%s: column %s", what, name)
	}
}

// TestSecondaryBinlogToTxnGolden: every DML the original drainer wrote to
// Kafka converts to the rows of the original MySQL sink's transaction.
func TestSecondaryBinlogToTxnGolden(t *testing.T) {
	g := loadGolden(t)
	require.Len(t, g.DML, 27)
	for _, d := range g.DML {
		b, err := Decode(mustHex(t, d.KafkaHex))
		require.NoError(t, err, d.Step)
		require.Equal(t, d.CommitTS, b.GetCommitTs())
		txn, err := loader.SecondaryBinlogToTxn(b)
		require.NoError(t, err, d.Step)
		require.Equal(t, d.CommitTS, txn.CommitTS)
		require.Len(t, txn.DMLs, len(d.DMLs), d.Step)
		for i, want := range d.DMLs {
			got := txn.DMLs[i]
			what := fmt.Sprintf("%s dml %d", d.Step, i)
			require.Equal(t, want.Database, got.Database, what)
			require.Equal(t, want.Table, got.Table, what)
			require.Equal(t, want.Tp, fmt.Sprintf("%s(%d)", capitalize(got.Tp.String()), int(got.Tp)), what)
			requireValues(t, want.Values, got.Values, what)
			if got.Tp == loader.UpdateDMLType {
				requireValues(t, want.OldValues, got.OldValues, what+" old")
			} else {
				require.Nil(t, got.OldValues, what)
			}
		}
	}
}

func capitalize(s string) string { return string(s[0]-'a'+'A') + s[1:] }

func TestSecondaryBinlogToTxnGoldenDDL(t *testing.T) {
	g := loadGolden(t)
	require.NotEmpty(t, g.DDL)
	for _, d := range g.DDL {
		b, err := Decode(mustHex(t, d.KafkaHex))
		require.NoError(t, err)
		txn, err := loader.SecondaryBinlogToTxn(b)
		require.NoError(t, err)
		require.True(t, txn.IsDDL())
		require.Equal(t, loader.DDL{Database: d.Data.Schema, Table: d.Data.Table, SQL: d.Data.Query}, *txn.DDL)
	}
}

func TestColumnValues(t *testing.T) {
	tbl := &secondarypb.Table{SchemaName: proto.String("s"), TableName: proto.String("t"),
		ColumnInfo: []*secondarypb.ColumnInfo{
			{Name: proto.String("b"), MysqlType: proto.String("bit")},
			{Name: proto.String("j"), MysqlType: proto.String("json")},
			{Name: proto.String("n"), MysqlType: proto.String("int")},
			{Name: proto.String("s"), MysqlType: proto.String("varchar")},
		}}
	row := &secondarypb.Row{Columns: []*secondarypb.Column{
		{BytesValue: []byte{0x01, 0x02}}, {BytesValue: []byte(`{"a":1}`)}, {IsNull: proto.Bool(true)}, {StringValue: proto.String("x")},
	}}
	old := &secondarypb.Row{Columns: []*secondarypb.Column{
		{BytesValue: []byte{0}}, {BytesValue: []byte(`[]`)}, {Int64Value: proto.Int64(-1)}, {},
	}}
	tbl.Mutations = []*secondarypb.TableMutation{{Type: secondarypb.MutationType_Update.Enum(), Row: row, ChangeRow: old}}
	b := &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(5),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}}
	txn, err := loader.SecondaryBinlogToTxn(b)
	require.NoError(t, err)
	require.Equal(t, []*loader.DML{{Database: "s", Table: "t", Tp: loader.UpdateDMLType,
		Values:    map[string]any{"b": uint64(0x0102), "j": `{"a":1}`, "n": nil, "s": "x"},
		OldValues: map[string]any{"b": uint64(0), "j": `[]`, "n": int64(-1), "s": ""}}}, txn.DMLs)

	row.Columns[0].BytesValue = []byte{1, 0, 0, 0, 0, 0, 0, 0, 0} // more than 64 bits
	_, err = loader.SecondaryBinlogToTxn(b)
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)
	require.Contains(t, err.Error(), "column b")
	row.Columns = append(row.Columns, &secondarypb.Column{}, &secondarypb.Column{})
	_, err = loader.SecondaryBinlogToTxn(b)
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)
}
