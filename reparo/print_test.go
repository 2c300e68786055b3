package reparo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// TestGoldenPrint: the print output of every golden file-sink binlog (every
// column type, NULLs, updates) line by line.
func TestGoldenPrint(t *testing.T) {
	g := loadGolden(t)
	var buf bytes.Buffer
	for _, d := range g.DDLBinlogs {
		require.NoError(t, PrintBinlog(&buf, unhexBinlog(t, d.PBHex)))
	}
	for _, d := range g.DMLBinlogs {
		require.NoError(t, PrintBinlog(&buf, unhexBinlog(t, d.PBHex)))
	}
	want, err := os.ReadFile(filepath.Join("testdata", "print_expected.txt"))
	require.NoError(t, err)
	require.Equal(t, strings.Split(string(want), "\n"), strings.Split(buf.String(), "\n"))
}

// TestPrintLines checks the shapes of the original's lines on the first
// golden insert, independently of the expected file.
func TestPrintLines(t *testing.T) {
	g := loadGolden(t)
	var buf bytes.Buffer
	require.NoError(t, PrintBinlog(&buf, unhexBinlog(t, g.DMLBinlogs[0].PBHex)))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Equal(t, []string{
		"schema: goldendb; table: t_all; type: Insert",
		"id(bigint): 1",
		"c_int(int): -123",
		"c_uint(int): 4000000000",
		"c_float(float): 3.141590118408203",
		"c_double(double): 2.718281828459045",
		"c_dec(decimal): 123456789.123456",
		"c_char(varchar): hello",
		"c_blob(blob): [0 255 65]",
		"c_date(date): 2024-02-29",
		"c_dt(datetime): 2024-02-29 13:45:59.123456",
		"c_ts(timestamp): 2024-02-29 13:45:59.123",
		"c_time(time): 12:34:56.78",
		"c_year(year): 2024",
		"c_enum(enum): 2",
		"c_set(set): 5",
		"c_bit(bit): 682",
		`c_json(json): {"a": 1, "b": [true, null]}`,
	}, lines)

	buf.Reset()
	require.NoError(t, PrintBinlog(&buf, unhexBinlog(t, g.DDLBinlogs[0].PBHex)))
	require.Equal(t, "DDL query: CREATE DATABASE `goldendb`;;\n", buf.String())
}

func TestPrintUpdateAndDelete(t *testing.T) {
	b := dmlBinlog(tso(1),
		event(t, "db", "t", filepb.EventType_Update, updCol(intCol("id", 1), codec.NewIntDatum(2)),
			updCol(strCol("name", "a"), codec.NewNullDatum())),
		event(t, "db", "t", filepb.EventType_Delete, intCol("id", 3)))
	var buf bytes.Buffer
	require.NoError(t, PrintBinlog(&buf, b))
	require.Equal(t, "schema: db; table: t; type: Update\nid(bigint): 1 => 2\nname(varchar): a => <nil>\n"+
		"schema: db; table: t; type: Delete\nid(bigint): 3\n", buf.String())
}

func TestPrintValueKinds(t *testing.T) {
	dec, err := codec.ParseDecimal("1.50")
	require.NoError(t, err)
	cases := []struct {
		d    codec.Datum
		tp   byte
		want string
	}{
		{codec.NewNullDatum(), model.TypeDate, "<nil>"},
		{codec.NewBytesDatum([]byte("x")), model.TypeBlob, "[120]"},
		{codec.NewBytesDatum([]byte("x")), model.TypeString, "x"},
		{codec.NewDecimalDatum(dec), model.TypeNewDecimal, "1.50"},
		{codec.NewUintDatum(7), model.TypeSet, "7"},
		{codec.NewFloat64Datum(1e21), model.TypeDouble, "1e+21"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, PrintValue(c.d, c.tp))
	}
}

func TestPrintDestWritesAndReports(t *testing.T) {
	var buf bytes.Buffer
	var got []int64
	d := newPrintDest(&buf, func(ts int64, rows int) { got = append(got, ts, int64(rows)) })
	require.NoError(t, d.Sync(context.Background(), ddlBinlog(tso(1), "create database x;")))
	require.NoError(t, d.Sync(context.Background(), dmlBinlog(tso(2), event(t, "x", "t", filepb.EventType_Insert, intCol("a", 1)))))
	require.NoError(t, d.Finish(context.Background()))
	require.Equal(t, []int64{tso(1), 0, tso(2), 1}, got)
	require.Equal(t, "DDL query: create database x;\nschema: x; table: t; type: Insert\na(bigint): 1\n", buf.String())
}
