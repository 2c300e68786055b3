package kafkareader

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

func dml(ts int64, table string) []byte {
	b, err := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{{SchemaName: proto.String("s"), TableName: proto.String(table)}}}})
	if err != nil {
		panic(err)
	}
	return b
}

// TestRawReader: a Raw reader delivers the values undecoded with their
// commit ts, drops replays and stops at a message that is not a binlog.
func TestRawReader(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	vals := [][]byte{ddl(10), dml(20, "t"), dml(10, "t"), dml(30, "u"), []byte("hello, not a binlog")}
	produce(t, addr, vals...)
	r, err := NewReader(Config{KafkaAddrs: []string{addr}, Topic: topic, Raw: true})
	require.NoError(t, err)
	defer r.Close()
	got := receive(t, r, 3)
	for i, want := range []struct {
		ts     int64
		offset int64
	}{{10, 0}, {20, 1}, {30, 3}} {
		m := got[i]
		require.Nil(t, m.Binlog)
		require.Equal(t, want.ts, m.CommitTS)
		require.Equal(t, []RawValue{{Value: vals[want.offset], Partition: 0, Offset: want.offset}}, m.Raw)
		require.Equal(t, len(vals[want.offset]), m.Size)
	}
	select {
	case err := <-r.Error():
		var de *DecodeError
		require.True(t, errors.As(err, &de), "%v", err)
		require.Equal(t, DecodeError{Topic: topic, Partition: 0, Offset: 4, Err: de.Err}, *de)
		require.ErrorIs(t, err, ErrNotBinlog)
	case <-time.After(30 * time.Second):
		t.Fatal("no error")
	}
}

// requireHeaderAgrees: header accepts what decode accepts, with the same
// commit ts and dml_data presence, and rejects only what decode rejects.
func requireHeaderAgrees(t testing.TB, data []byte) {
	ts, hasDML, herr := header(data)
	b, derr := decode(data)
	if derr == nil {
		require.NoError(t, herr)
		require.Equal(t, b.GetCommitTs(), ts)
		require.Equal(t, b.DmlData != nil, hasDML)
	}
	if herr != nil {
		require.Error(t, derr)
		require.ErrorIs(t, herr, ErrNotBinlog)
	}
}

func TestHeader(t *testing.T) {
	for _, v := range [][]byte{ddl(1), dml(2, "t"), nil, []byte("hello"), {0x08, 0x00, 0x10, 0x01}, {0x08, 0x01, 0x10, 0x01},
		{0x08, 0x00, 0x10, 0x00}, {0x10, 0x05}, {0x08, 0x00, 0x10, 0x05, 0x22, 0x00}, {0x08, 0x01, 0x10, 0x05, 0x22, 0x00},
		{0x08, 0x00, 0x10, 0x05, 0x1a, 0x00}, {0x08, 0x00, 0x10, 0x05, 0x1a, 0x02, 0x0a}, {0x08, 0x00, 0x10, 0x05, 0x0f}} {
		requireHeaderAgrees(t, v)
	}
}

func FuzzHeader(f *testing.F) {
	f.Add(ddl(1))
	f.Add(dml(2, "t"))
	f.Add([]byte{0x08, 0x00, 0x10, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) { requireHeaderAgrees(t, data) })
}

// TestJoinRaw: a Raw reader joins the values whose decoding join would
// join (the first's type and DDL, the tables of all when the first has
// dml_data).
func TestJoinRaw(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	value := func(ts int64) []byte {
		switch r.IntN(3) {
		case 0:
			return ddl(ts)
		case 1:
			b, _ := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts)})
			return b
		}
		return dml(ts, string(rune('a'+r.IntN(26))))
	}
	for range 500 {
		n := 1 + r.IntN(4)
		var plain, raw []*Message
		for p := range n {
			v := value(int64(1 + r.IntN(3)))
			plain = append(plain, (&Reader{}).readValue(topic, int32(p), int64(p), v))
			raw = append(raw, (&Reader{cfg: Config{Raw: true}}).readValue(topic, int32(p), int64(p), v))
		}
		want, got := join(plain), join(raw)
		for i := range plain {
			require.Equal(t, plain[i] == nil, raw[i] == nil, "head %d taken", i)
		}
		require.Equal(t, want.CommitTS, got.CommitTS)
		require.Equal(t, want.Size, got.Size)
		require.Equal(t, [2]int64{int64(want.Partition), want.Offset}, [2]int64{int64(got.Partition), got.Offset})
		joined, err := decode(got.Raw[0].Value)
		require.NoError(t, err)
		if len(got.Raw) > 1 {
			joined.DmlData.Tables = nil
			for _, rv := range got.Raw {
				b, err := decode(rv.Value)
				require.NoError(t, err)
				joined.DmlData.Tables = append(joined.DmlData.Tables, b.GetDmlData().GetTables()...)
			}
		}
		require.True(t, proto.Equal(want.Binlog, joined), "%v\n%v", want.Binlog, joined)
	}
}
