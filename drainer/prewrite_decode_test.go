package drainer

import (
	"math/rand/v2"
	"testing"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func randomPrewrite(r *rand.Rand) *binlogpb.PrewriteValue {
	row := func() []byte {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		return b
	}
	rows := func() [][]byte {
		var rs [][]byte
		for range r.IntN(4) {
			rs = append(rs, row())
		}
		return rs
	}
	pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(r.Int64N(1000))}
	for range r.IntN(4) {
		m := &binlogpb.TableMutation{TableId: proto.Int64(r.Int64N(100)), InsertedRows: rows(), UpdatedRows: rows(),
			DeletedPks: rows(), DeletedRows: rows()}
		for range r.IntN(3) {
			m.DeletedIds = append(m.DeletedIds, r.Int64N(50))
		}
		for range r.IntN(5) {
			m.Sequence = append(m.Sequence, binlogpb.MutationType(r.IntN(5)))
		}
		pv.Mutations = append(pv.Mutations, m)
	}
	return pv
}

func TestDecodePrewriteMatchesProto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		raw, err := proto.Marshal(randomPrewrite(r))
		require.NoError(t, err)
		want := new(binlogpb.PrewriteValue)
		require.NoError(t, proto.Unmarshal(raw, want))
		got := new(binlogpb.PrewriteValue)
		require.NoError(t, decodePrewrite(raw, got))
		require.True(t, proto.Equal(want, got), "want %v\ngot  %v", want, got)
	}
}

func TestDecodePrewriteAliasesRows(t *testing.T) {
	pv := &binlogpb.PrewriteValue{Mutations: []*binlogpb.TableMutation{{TableId: proto.Int64(1),
		InsertedRows: [][]byte{[]byte("row-one")}}}}
	raw, err := proto.Marshal(pv)
	require.NoError(t, err)
	got := new(binlogpb.PrewriteValue)
	require.NoError(t, decodePrewrite(raw, got))
	row := got.Mutations[0].InsertedRows[0]
	require.Equal(t, "row-one", string(row))
	raw[len(raw)-1] = 'X' // the row is the last field: it shares raw's bytes
	require.Equal(t, "row-onX", string(row))
}

func TestDecodePrewriteRejectsTruncated(t *testing.T) {
	raw, err := proto.Marshal(randomPrewrite(rand.New(rand.NewPCG(3, 4))))
	require.NoError(t, err)
	for n := 1; n < len(raw); n++ {
		var want, got binlogpb.PrewriteValue
		wantErr := proto.Unmarshal(raw[:n], &want)
		gotErr := decodePrewrite(raw[:n], &got)
		require.Equal(t, wantErr == nil, gotErr == nil, "prefix %d: proto %v, decode %v", n, wantErr, gotErr)
	}
}

// BenchmarkDecodePrewrite decodes a sysbench-sized insert transaction:
// ten rows of 180 bytes.
func BenchmarkDecodePrewrite(b *testing.B) {
	m := &binlogpb.TableMutation{TableId: proto.Int64(106)}
	for range 10 {
		m.InsertedRows = append(m.InsertedRows, make([]byte, 180))
		m.Sequence = append(m.Sequence, binlogpb.MutationType_Insert)
	}
	raw, err := proto.Marshal(&binlogpb.PrewriteValue{SchemaVersion: proto.Int64(7),
		Mutations: []*binlogpb.TableMutation{m}})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodePrewrite(raw, new(binlogpb.PrewriteValue)); err != nil {
			b.Fatal(err)
		}
	}
}
