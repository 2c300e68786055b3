package translator

import (
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
)

// TestTxnReusedMapsMatchDecodedRows: TiBinlogToTxn reuses the decoder's
// value maps from row to row; every DML must still be the one built from
// DecodePrewrite's rows, each with its own maps.
func TestTxnReusedMapsMatchDecodedRows(t *testing.T) {
	g := fixedGetter{info: sysbenchTable()}
	pv := &binlogpb.PrewriteValue{SchemaVersion: sysbenchPrewrite(t, binlogpb.MutationType_Insert).SchemaVersion}
	for _, tp := range []binlogpb.MutationType{binlogpb.MutationType_Insert, binlogpb.MutationType_Update,
		binlogpb.MutationType_DeleteRow} {
		pv.Mutations = append(pv.Mutations, sysbenchPrewrite(t, tp).Mutations...)
	}
	txn, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)

	changes, err := DecodePrewrite(g, pv, time.UTC)
	require.NoError(t, err)
	var want []*loader.DML
	for _, tc := range changes {
		for _, rc := range tc.Rows {
			want = append(want, txnDML(tc, tc.Info.WritableColumns(), rc))
		}
	}
	require.Len(t, txn.DMLs, 30)
	require.Equal(t, want, txn.DMLs)
	require.Equal(t, int64(1), txn.DMLs[0].Values["id"])
	require.Equal(t, int64(110), txn.DMLs[19].Values["k"]) // the tenth update: k 70 -> 110
	require.Equal(t, int64(70), txn.DMLs[19].OldValues["k"])
}
