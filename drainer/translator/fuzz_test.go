package translator

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// fuzzSchema holds the golden tables after ADD COLUMN (t_all with c_new, its
// older info without it, t_nopk and the clustered tables).
func fuzzSchema(f *testing.F) (*testSchema, [][]byte) {
	g := loadGolden(f)
	s := schemaBefore(f, g, 66)
	var seeds [][]byte
	for _, raw := range g.Binlogs {
		b, err := hex.DecodeString(raw)
		require.NoError(f, err)
		var bl binlogpb.Binlog
		require.NoError(f, proto.Unmarshal(b, &bl))
		var pv binlogpb.PrewriteValue
		if len(bl.GetPrewriteValue()) == 0 || proto.Unmarshal(bl.GetPrewriteValue(), &pv) != nil {
			continue
		}
		for _, m := range pv.GetMutations() {
			for _, rows := range [][][]byte{m.GetInsertedRows(), m.GetUpdatedRows(), m.GetDeletedRows()} {
				seeds = append(seeds, rows...)
			}
		}
	}
	return s, seeds
}

// fuzzTables are the ids of t_all, t_nopk, t_ch, t_ch_ci and t_ch2.
var fuzzTables = []int64{86, 88, 90, 92, 94}

// FuzzDecodeRow feeds any bytes to the row decoder as an insert, update or
// delete of the golden tables and runs the three encoders on what decodes:
// nothing may panic, and every error names the table id.
func FuzzDecodeRow(f *testing.F) {
	s, seeds := fuzzSchema(f)
	for i, row := range seeds {
		for kind := range byte(3) {
			f.Add(kind, byte(i), i%2 == 0, row)
		}
	}
	f.Fuzz(func(t *testing.T, kind, table byte, canAppend bool, row []byte) {
		id := fuzzTables[int(table)%len(fuzzTables)]
		tp := []binlogpb.MutationType{binlogpb.MutationType_Insert, binlogpb.MutationType_Update,
			binlogpb.MutationType_DeleteRow}[int(kind)%3]
		m := &binlogpb.TableMutation{TableId: proto.Int64(id), Sequence: []binlogpb.MutationType{tp}}
		switch tp {
		case binlogpb.MutationType_Insert:
			m.InsertedRows = [][]byte{row}
		case binlogpb.MutationType_Update:
			m.UpdatedRows = [][]byte{row}
		default:
			m.DeletedRows = [][]byte{row}
		}
		version := int64(51)
		if canAppend {
			version = 47 // older than t_all's ADD COLUMN: defaults may be appended
		}
		pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(version), Mutations: []*binlogpb.TableMutation{m}}
		b := &binlogpb.Binlog{CommitTs: proto.Int64(1)}
		_, err := TiBinlogToTxn(s, "", "", b, pv, false, time.UTC)
		if err != nil {
			checkFuzzError(t, id, err)
			return
		}
		_, err = TiBinlogToPbBinlog(s, "", "", b, pv, time.UTC)
		require.NoError(t, err)
		sec, err := TiBinlogToSecondaryBinlog(s, "", "", b, pv, time.UTC)
		require.NoError(t, err)
		_, err = proto.Marshal(sec)
		require.NoError(t, err)
	})
}

func checkFuzzError(t *testing.T, id int64, err error) {
	var re *RowError
	require.True(t, errors.As(err, &re), "%T %v", err, err)
	require.Equal(t, id, re.TableID)
	require.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("translator: table %d ", id)), err.Error())
}
