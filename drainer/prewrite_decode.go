package drainer

import (
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Field numbers of PrewriteValue and TableMutation (binlog.proto).
const (
	fieldPrewriteMutations protowire.Number = 2
	fieldInsertedRows      protowire.Number = 2
	fieldUpdatedRows       protowire.Number = 3
	fieldDeletedPks        protowire.Number = 5
	fieldDeletedRows       protowire.Number = 6
)

// decodePrewrite decodes raw into pv as proto.Unmarshal does, except that
// the rows alias raw instead of being copied: a big transaction is then
// held once while decoded, and raw is let go with the rows, once the sink
// translated them. The other fields, small, go through proto.Unmarshal.
func decodePrewrite(raw []byte, pv *binlogpb.PrewriteValue) error {
	var rest []byte
	var muts []*binlogpb.TableMutation
	err := eachField(raw, func(num protowire.Number, typ protowire.Type, field, value []byte) error {
		if num != fieldPrewriteMutations || typ != protowire.BytesType {
			rest = append(rest, field...)
			return nil
		}
		m, err := decodeMutation(value)
		muts = append(muts, m)
		return err
	})
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(rest, pv); err != nil {
		return err
	}
	pv.Mutations = muts
	return nil
}

// decodeMutation decodes one TableMutation whose rows alias p. A first
// pass sizes the row lists and the other fields' bytes, so that each is
// allocated once instead of grown row by row.
func decodeMutation(p []byte) (*binlogpb.TableMutation, error) {
	var counts [4]int
	restLen := 0
	err := eachField(p, func(num protowire.Number, typ protowire.Type, field, _ []byte) error {
		if i := rowField(num); i >= 0 && typ == protowire.BytesType {
			counts[i]++
		} else {
			restLen += len(field)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rest := make([]byte, 0, restLen)
	var rows [4][][]byte // inserted, updated, deleted pks, deleted rows
	for i, n := range counts {
		if n > 0 {
			rows[i] = make([][]byte, 0, n)
		}
	}
	err = eachField(p, func(num protowire.Number, typ protowire.Type, field, value []byte) error {
		i := rowField(num)
		if i < 0 || typ != protowire.BytesType {
			rest = append(rest, field...)
			return nil
		}
		rows[i] = append(rows[i], value[:len(value):len(value)])
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := new(binlogpb.TableMutation)
	if err := proto.Unmarshal(rest, m); err != nil {
		return nil, err
	}
	m.InsertedRows, m.UpdatedRows, m.DeletedPks, m.DeletedRows = rows[0], rows[1], rows[2], rows[3]
	return m, nil
}

func rowField(num protowire.Number) int {
	switch num {
	case fieldInsertedRows:
		return 0
	case fieldUpdatedRows:
		return 1
	case fieldDeletedPks:
		return 2
	case fieldDeletedRows:
		return 3
	}
	return -1
}

// eachField calls fn with every field of p: its whole encoding and, for a
// length-delimited field, its value.
func eachField(p []byte, fn func(num protowire.Number, typ protowire.Type, field, value []byte) error) error {
	for len(p) > 0 {
		num, typ, n := protowire.ConsumeTag(p)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, p[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		var value []byte
		if typ == protowire.BytesType {
			value, _ = protowire.ConsumeBytes(p[n:])
		}
		if err := fn(num, typ, p[:n+m], value); err != nil {
			return err
		}
		p = p[n+m:]
	}
	return nil
}
