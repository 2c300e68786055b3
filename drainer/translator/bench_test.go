package translator

import (
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func BenchmarkTranslateInsertFullRow(b *testing.B) {
	g := loadGolden(b)
	for _, c := range g.DMLBinlogs {
		if c.Step != "rows:insert_full_row" {
			continue
		}
		s := schemaBefore(b, g, c.CommitIndex)
		bl, pv := goldenBinlogTB(b, g, c.PrewriteIndex, c.CommitIndex)
		b.Run("txn", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := TiBinlogToTxn(s, "", "", bl, pv, false, time.UTC); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("pb", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := TiBinlogToPbBinlog(s, "", "", bl, pv, time.UTC)
				require.NoError(b, err)
				_, err = proto.Marshal(out)
				require.NoError(b, err)
			}
		})
		b.Run("kafka", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := TiBinlogToSecondaryBinlog(s, "", "", bl, pv, time.UTC)
				require.NoError(b, err)
				_, err = proto.Marshal(out)
				require.NoError(b, err)
			}
		})
	}
}

// sysbenchTable is the end-to-end benchmark's table: id BIGINT PRIMARY KEY
// (the handle), k INT, c VARCHAR(120), pad VARCHAR(60).
func sysbenchTable() *model.TableInfo {
	id := newCol(1, "id", model.TypeLonglong, model.PriKeyFlag|model.NotNullFlag)
	k := newCol(2, "k", model.TypeLong, 0)
	c := newCol(3, "c", model.TypeVarchar, 0)
	pad := newCol(4, "pad", model.TypeVarchar, 0)
	for _, col := range []*model.ColumnInfo{c, pad} {
		col.Charset, col.Collate = "utf8mb4", "utf8mb4_bin"
	}
	return &model.TableInfo{ID: testTableID, Name: model.NewCIStr("sbtest"), PKIsHandle: true,
		Columns: []*model.ColumnInfo{id, k, c, pad}, State: model.StatePublic}
}

// sysbenchPrewrite is a transaction of ten sysbench rows of one kind.
func sysbenchPrewrite(tb testing.TB, tp binlogpb.MutationType) *binlogpb.PrewriteValue {
	tb.Helper()
	ids := []int64{1, 2, 3, 4}
	row := func(i int64, k int64) []codec.Datum {
		return []codec.Datum{codec.NewIntDatum(i), codec.NewIntDatum(k),
			codec.NewStringDatum("68487932199-96439406143-93774651418-41631865787-96406072701-20604855487-25459966574-28203206787-41238978918-19503783441", "utf8mb4_bin"),
			codec.NewStringDatum("22195207048-70116052123-74140395089-76317954521-98694025897", "utf8mb4_bin")}
	}
	var seq []binlogpb.MutationType
	var ins, upd, del [][]byte
	for i := int64(1); i <= 10; i++ {
		seq = append(seq, tp)
		switch tp {
		case binlogpb.MutationType_Insert:
			b, err := codec.EncodeValue(nil, codec.NewIntDatum(i))
			require.NoError(tb, err)
			b, err = codec.EncodeOldRow(b, ids[1:], row(i, i*7)[1:], time.UTC)
			require.NoError(tb, err)
			ins = append(ins, b)
		case binlogpb.MutationType_Update:
			b, err := codec.EncodeOldRow(nil, ids, row(i, i*7), time.UTC)
			require.NoError(tb, err)
			b, err = codec.EncodeOldRow(b, ids, row(i, i*11), time.UTC)
			require.NoError(tb, err)
			upd = append(upd, b)
		default:
			b, err := codec.EncodeOldRow(nil, ids, row(i, i*7), time.UTC)
			require.NoError(tb, err)
			del = append(del, b)
		}
	}
	return mutation(seq, ins, upd, del)
}

// BenchmarkTranslateSysbench is the drainer's per-transaction translation
// in the end-to-end benchmark: ten rows of one kind into a loader.Txn.
func BenchmarkTranslateSysbench(b *testing.B) {
	g := fixedGetter{info: sysbenchTable()}
	for _, tp := range []binlogpb.MutationType{binlogpb.MutationType_Insert, binlogpb.MutationType_Update,
		binlogpb.MutationType_DeleteRow} {
		pv := sysbenchPrewrite(b, tp)
		b.Run(tp.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, time.UTC); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
