package translator

import (
	"testing"
	"time"

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
