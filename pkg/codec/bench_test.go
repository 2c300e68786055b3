package codec

import (
	"testing"
	"time"
)

func BenchmarkDecodeGoldenRow(b *testing.B) {
	row := unhex(b, "0802080408f50108060980d0acf30e080805c00921fa00000000080a05c005bf0a8b145769080c061406800000075bcd1501e240080e020a68656c6c6f0810020600ff410812098080808080c0aed919081409c0c487d8b7dbaed919081609f8c087d8b7dbaed91908180880ecd9a7cfcc14081a08d01f081c0902081e0905082009aa0508220a01020000003a0000001e00000001001f00000001000920000000032800000061620100000000000000020000001200000004010000000400000000")
	types := FieldTypesOf(goldenTables(b)["t_all"])
	b.ReportAllocs()
	for b.Loop() {
		_, rest, _ := DecodeN(row, 1)
		cols, err := DecodeRow(rest, types)
		if err != nil {
			b.Fatal(err)
		}
		if err := UnflattenRow(cols, types, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}
