package reparo

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// requireSameDecode checks that unmarshalBinlog and proto.Unmarshal agree
// on raw (fields, presence, unknown fields) and reports whether the fast
// path decoded it.
func requireSameDecode(t *testing.T, raw []byte) (fast bool) {
	t.Helper()
	want := new(filepb.Binlog)
	wantErr := proto.Unmarshal(raw, want)
	var in interner
	got, err := unmarshalBinlog(append([]byte(nil), raw...), &in)
	if wantErr != nil {
		require.Error(t, err)
		return false
	}
	require.NoError(t, err)
	require.True(t, proto.Equal(want, got), "want %v\ngot  %v", want, got)
	_, fast = fastBinlog(append([]byte(nil), raw...), &in)
	return fast
}

func TestUnmarshalBinlogLikeProto(t *testing.T) {
	ins := event(t, "db", "t", filepb.EventType_Insert, intCol("a", 1), strCol("b", "x"))
	upd := event(t, "db", "u", filepb.EventType_Update, updCol(intCol("a", 1), intCol("a", 2).old))
	del := event(t, "other", "t", filepb.EventType_Delete, intCol("a", 300))
	for name, b := range map[string]*filepb.Binlog{
		"dml":           dmlBinlog(tso(1), ins, upd, del),
		"ddl":           ddlBinlog(tso(2), "use `db`; create table t (a int);"),
		"empty ddl":     {Tp: filepb.BinlogType_DDL.Enum(), DdlQuery: []byte{}},
		"no fields":     {},
		"no events":     {Tp: filepb.BinlogType_DML.Enum(), DmlData: &filepb.DMLData{}},
		"bare event":    dmlBinlog(tso(3), &filepb.Event{}),
		"empty rows":    dmlBinlog(tso(4), &filepb.Event{Row: [][]byte{{}, {}}}),
		"no schema":     dmlBinlog(tso(5), &filepb.Event{TableName: proto.String("t"), Row: [][]byte{{1}}}),
		"negative ts":   {CommitTs: proto.Int64(-1)},
		"dml and ddl":   {Tp: filepb.BinlogType_DML.Enum(), DmlData: &filepb.DMLData{Events: []*filepb.Event{ins}}, DdlQuery: []byte("x")},
		"empty strings": dmlBinlog(0, &filepb.Event{SchemaName: proto.String(""), TableName: proto.String("")}),
	} {
		t.Run(name, func(t *testing.T) {
			require.True(t, requireSameDecode(t, marshal(t, b)), "fast path expected")
		})
	}
}

// TestUnmarshalBinlogOddInput: what the fast path leaves to proto.Unmarshal
// decodes the same, and broken records fail.
func TestUnmarshalBinlogOddInput(t *testing.T) {
	base := marshal(t, dmlBinlog(tso(1), event(t, "db", "t", filepb.EventType_Insert, intCol("a", 1))))
	ev := marshal(t, dmlBinlog(0, &filepb.Event{SchemaName: proto.String("s")}))
	for name, raw := range map[string][]byte{
		"unknown field":      protowire.AppendVarint(protowire.AppendTag(append([]byte(nil), base...), 9, protowire.VarintType), 7),
		"unknown type":       protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 5),
		"unknown event type": dmlRaw(protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 9)),
		"event unknown":      dmlRaw(protowire.AppendFixed32(protowire.AppendTag(nil, 7, protowire.Fixed32Type), 1)),
		"dml twice":          append(append([]byte(nil), ev...), ev...),
		"ts as bytes":        protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), []byte{1}),
		"bad utf8":           dmlRaw(protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xff})),
		"repeated scalars":   append(append([]byte(nil), base...), base[:len(base)/2]...),
		"truncated":          base[:len(base)-1],
		"bad tag":            {0x00},
		"truncated varint":   {0x10, 0x80},
	} {
		t.Run(name, func(t *testing.T) { requireSameDecode(t, raw) })
	}
}

// dmlRaw is a record whose dml_data holds one event with the given fields.
func dmlRaw(event []byte) []byte {
	dml := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), event)
	return protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), dml)
}

func TestUnmarshalBinlogGolden(t *testing.T) {
	g := loadGolden(t)
	var hexes []string
	for _, b := range g.DMLBinlogs {
		hexes = append(hexes, b.PBHex)
	}
	for _, b := range g.DDLBinlogs {
		hexes = append(hexes, b.PBHex)
	}
	for _, r := range g.BinlogFile.Records {
		hexes = append(hexes, r.PayloadHex)
	}
	for _, h := range hexes {
		raw, err := hex.DecodeString(h)
		require.NoError(t, err)
		require.True(t, requireSameDecode(t, raw), "fast path expected for %s", h)
	}
}

// TestUnmarshalBinlogAliasing: the rows alias the payload, yet appending to
// one does not overwrite what follows it, and events share no field.
func TestUnmarshalBinlogAliasing(t *testing.T) {
	b := dmlBinlog(tso(1), &filepb.Event{SchemaName: proto.String("db"), Row: [][]byte{[]byte("ab"), []byte("cd")}},
		&filepb.Event{SchemaName: proto.String("db"), Row: [][]byte{[]byte("ef")}})
	var in interner
	got, err := unmarshalBinlog(marshal(t, b), &in)
	require.NoError(t, err)
	evs := got.GetDmlData().GetEvents()
	_ = append(evs[0].Row[0], 'X')
	_ = append(evs[0].Row, []byte("Y"))
	require.Equal(t, [][]byte{[]byte("ab"), []byte("cd")}, evs[0].Row)
	require.Equal(t, [][]byte{[]byte("ef")}, evs[1].Row)
	*evs[0].SchemaName = "changed" // each event has its own name field
	require.Equal(t, "db", evs[1].GetSchemaName())
}

func FuzzUnmarshalBinlog(f *testing.F) {
	ins := event(f, "db", "t", filepb.EventType_Insert, intCol("a", 1), strCol("b", "x"))
	f.Add(marshal(f, dmlBinlog(tso(1), ins, ins)))
	f.Add(marshal(f, ddlBinlog(tso(2), "create database a;")))
	f.Add(dmlRaw(protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 9)))
	f.Fuzz(func(t *testing.T, raw []byte) { requireSameDecode(t, raw) })
}

// TestAliasTextSameValues: the source's translator (text values over the
// record's bytes) gives the values of the copying one for every golden
// column type, TIMESTAMP moved to UTC included.
func TestAliasTextSameValues(t *testing.T) {
	g := loadGolden(t)
	zone := time.FixedZone("UTC+8", 8*3600)
	alias, plain := newTranslatorIn(zone), newTranslatorIn(zone)
	alias.aliasText = true
	var in interner
	for _, gb := range g.DMLBinlogs {
		raw, err := hex.DecodeString(gb.PBHex)
		require.NoError(t, err)
		b, err := unmarshalBinlog(raw, &in)
		require.NoError(t, err)
		want, err := plain.binlogToTxn(b)
		require.NoError(t, err)
		got, err := alias.binlogToTxn(b)
		require.NoError(t, err)
		require.Equal(t, want.DMLs, got.DMLs, gb.Step)
	}
}
