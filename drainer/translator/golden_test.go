package translator

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// goldenBinlog returns the binlog the original drainer was fed: the prewrite
// with the commit's commit_ts, and its PrewriteValue (nil for a DDL).
func goldenBinlog(t *testing.T, g *goldenFile, prewrite, commit int) (*binlogpb.Binlog, *binlogpb.PrewriteValue) {
	return goldenBinlogTB(t, g, prewrite, commit)
}

func goldenBinlogTB(t testing.TB, g *goldenFile, prewrite, commit int) (*binlogpb.Binlog, *binlogpb.PrewriteValue) {
	t.Helper()
	unmarshal := func(idx int) *binlogpb.Binlog {
		raw, err := hex.DecodeString(g.Binlogs[strconv.Itoa(idx)])
		require.NoError(t, err)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(raw, &b))
		return &b
	}
	b, c := unmarshal(prewrite), unmarshal(commit)
	require.Equal(t, binlogpb.BinlogType_Prewrite, b.GetTp())
	require.Equal(t, b.GetStartTs(), c.GetStartTs())
	b.CommitTs = proto.Int64(c.GetCommitTs())
	if b.GetDdlJobId() > 0 {
		return b, nil
	}
	var pv binlogpb.PrewriteValue
	require.NoError(t, proto.Unmarshal(b.GetPrewriteValue(), &pv))
	return b, &pv
}

func marshalHex(t *testing.T, m proto.Message) string {
	t.Helper()
	raw, err := proto.Marshal(m)
	require.NoError(t, err)
	return hex.EncodeToString(raw)
}

func TestGoldenDML(t *testing.T) {
	g := loadGolden(t)
	require.Len(t, g.DMLBinlogs, 27)
	for _, c := range g.DMLBinlogs {
		t.Run(c.Step, func(t *testing.T) {
			s := schemaBefore(t, g, c.CommitIndex)
			b, pv := goldenBinlog(t, g, c.PrewriteIndex, c.CommitIndex)
			require.Equal(t, c.CommitTS, b.GetCommitTs())
			require.Equal(t, c.SchemaVersion, pv.GetSchemaVersion())

			pb, err := TiBinlogToPbBinlog(s, "", "", b, pv, time.UTC)
			require.NoError(t, err)
			require.Equal(t, c.FileHex, marshalHex(t, pb), "file sink bytes")

			sec, err := TiBinlogToSecondaryBinlog(s, "", "", b, pv, time.UTC)
			require.NoError(t, err)
			require.Equal(t, c.KafkaHex, marshalHex(t, sec), "kafka bytes")

			txn, err := TiBinlogToTxn(s, "", "", b, pv, false, time.UTC)
			require.NoError(t, err)
			require.Nil(t, txn.DDL)
			require.Len(t, txn.DMLs, len(c.TxnDMLs))
			for i, want := range c.TxnDMLs {
				requireTxnDML(t, want, txn.DMLs[i])
			}
		})
	}
}

func requireTxnDML(t *testing.T, want goldenTxnDML, got *loader.DML) {
	t.Helper()
	require.Equal(t, want.Database, got.Database)
	require.Equal(t, want.Table, got.Table)
	require.Equal(t, want.Tp, fmt.Sprintf("%s(%d)", capitalize(got.Tp.String()), int(got.Tp)))
	requireValues(t, want.Values, got.Values)
	if want.OldValues == nil {
		require.Nil(t, got.OldValues)
	} else {
		requireValues(t, want.OldValues, got.OldValues)
	}
}

func capitalize(s string) string { return string(s[0]-'a'+'A') + s[1:] }

func requireValues(t *testing.T, want map[string]goldenValue, got map[string]any) {
	t.Helper()
	require.Len(t, got, len(want))
	for name, w := range want {
		v, ok := got[name]
		require.True(t, ok, "column %s missing", name)
		if w.GoType == "nil" {
			require.Nil(t, v, "column %s", name)
			continue
		}
		require.Equal(t, w.GoType, fmt.Sprintf("%T", v), "column %s", name)
		if w.Hex != "" {
			require.Equal(t, w.Hex, hex.EncodeToString([]byte(v.(string))), "column %s", name)
			continue
		}
		require.NotNil(t, w.Value, "column %s", name)
		require.Equal(t, *w.Value, fmt.Sprint(v), "column %s", name)
	}
}

func TestGoldenDDL(t *testing.T) {
	g := loadGolden(t)
	require.Len(t, g.DDLBinlogs, 14)
	for _, c := range g.DDLBinlogs {
		t.Run(c.Step, func(t *testing.T) {
			s := schemaBefore(t, g, c.CommitIndex)
			b, pv := goldenBinlog(t, g, c.PrewriteIndex, c.CommitIndex)
			require.Nil(t, pv)

			pb, err := TiBinlogToPbBinlog(s, c.Schema, c.Table, b, nil, time.UTC)
			require.NoError(t, err)
			require.Equal(t, c.FileQuery, string(pb.GetDdlQuery()))
			require.Equal(t, c.FileHex, marshalHex(t, pb), "file sink bytes")

			sec, err := TiBinlogToSecondaryBinlog(s, c.Schema, c.Table, b, nil, time.UTC)
			require.NoError(t, err)
			require.Equal(t, c.KafkaHex, marshalHex(t, sec), "kafka bytes")

			txn, err := TiBinlogToTxn(s, c.Schema, c.Table, b, nil, false, time.UTC)
			require.NoError(t, err)
			require.Empty(t, txn.DMLs)
			require.Equal(t, &loader.DDL{
				Database: c.TxnDDL.Database, Table: c.TxnDDL.Table, SQL: c.TxnDDL.SQL, ShouldSkip: c.TxnDDL.ShouldSkip,
			}, txn.DDL)
		})
	}
}
