package testcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// ErrTableShape is returned when a table is not the benchmark's
// (id BIGINT PRIMARY KEY, k INT, c VARCHAR, pad VARCHAR).
var ErrTableShape = errors.New("testcluster: not a sysbench-style table")

// SbRow is one row of the benchmark table
// (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60)).
type SbRow struct {
	ID, K  int64
	C, Pad string
}

// RowTable is a table as tidb-lite describes it in its status API, enough
// to encode row binlogs for it exactly as tidb-lite would write them: the
// same table id, column ids, handles (the BIGINT primary key is the
// handle) and schema version.
type RowTable struct {
	Info          *model.TableInfo
	SchemaVersion int64
	cols          [4]*model.ColumnInfo // id, k, c, pad
}

// FetchRowTable reads db.table from tidb-lite's /schema/{db}/{table} and
// the current schema version from /info.
func FetchRowTable(ctx context.Context, statusURL, db, table string) (*RowTable, error) {
	t := &RowTable{Info: &model.TableInfo{}}
	if err := getJSON(ctx, statusURL+"/schema/"+db+"/"+table, t.Info); err != nil {
		return nil, err
	}
	var info struct {
		SchemaVersion int64 `json:"schema_version"`
	}
	if err := getJSON(ctx, statusURL+"/info", &info); err != nil {
		return nil, err
	}
	t.SchemaVersion = info.SchemaVersion
	if !t.Info.PKIsHandle {
		return nil, fmt.Errorf("%w: %s has no integer primary key handle", ErrTableShape, table)
	}
	for i, name := range []string{"id", "k", "c", "pad"} {
		for _, col := range t.Info.Columns {
			if col.Name.L == name {
				t.cols[i] = col
			}
		}
		if t.cols[i] == nil {
			return nil, fmt.Errorf("%w: %s has no column %s", ErrTableShape, table, name)
		}
	}
	return t, nil
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s: %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode %s: %w", url, err)
	}
	return nil
}

// RowTxn collects the row changes of one transaction on a RowTable.
type RowTxn struct {
	t       *RowTable
	mut     *binlogpb.TableMutation
	primary []byte
	rows    int
}

// NewTxn starts an empty transaction.
func (t *RowTable) NewTxn() *RowTxn {
	return &RowTxn{t: t, mut: &binlogpb.TableMutation{TableId: proto.Int64(t.Info.ID)}}
}

// Rows returns how many row changes the transaction holds.
func (x *RowTxn) Rows() int { return x.rows }

// datums returns the row's values in the order id, k, c, pad.
func (x *RowTxn) datums(r SbRow) []codec.Datum {
	return []codec.Datum{codec.NewIntDatum(r.ID), codec.NewIntDatum(r.K),
		codec.NewStringDatum(r.C, x.t.cols[2].Collate), codec.NewStringDatum(r.Pad, x.t.cols[3].Collate)}
}

func (x *RowTxn) ids() []int64 {
	return []int64{x.t.cols[0].ID, x.t.cols[1].ID, x.t.cols[2].ID, x.t.cols[3].ID}
}

// touch offers the row key of handle h as the transaction's primary key:
// the 2PC committer picks the smallest key written.
func (x *RowTxn) touch(h int64) {
	k := codec.EncodeRowKeyWithIntHandle(x.t.Info.ID, h)
	if x.primary == nil || bytes.Compare(k, x.primary) < 0 {
		x.primary = k
	}
	x.rows++
}

// Insert adds an inserted row: the handle, then every column but the
// handle column (tables.CanSkip).
func (x *RowTxn) Insert(r SbRow) error {
	out, err := codec.EncodeValue(nil, codec.NewIntDatum(r.ID))
	if err != nil {
		return fmt.Errorf("encode handle: %w", err)
	}
	if out, err = codec.EncodeOldRow(out, x.ids()[1:], x.datums(r)[1:], time.UTC); err != nil {
		return fmt.Errorf("encode inserted row: %w", err)
	}
	x.mut.InsertedRows = append(x.mut.InsertedRows, out)
	x.mut.Sequence = append(x.mut.Sequence, binlogpb.MutationType_Insert)
	x.touch(r.ID)
	return nil
}

// Update adds an updated row (same primary key): old row ++ new row, every
// column.
func (x *RowTxn) Update(old, updated SbRow) error {
	if old.ID != updated.ID {
		return fmt.Errorf("update of id %d to %d: a new handle is a delete and an insert", old.ID, updated.ID)
	}
	out, err := codec.EncodeOldRow(nil, x.ids(), x.datums(old), time.UTC)
	if err == nil {
		out, err = codec.EncodeOldRow(out, x.ids(), x.datums(updated), time.UTC)
	}
	if err != nil {
		return fmt.Errorf("encode updated row: %w", err)
	}
	x.mut.UpdatedRows = append(x.mut.UpdatedRows, out)
	x.mut.Sequence = append(x.mut.Sequence, binlogpb.MutationType_Update)
	x.touch(old.ID)
	return nil
}

// Delete adds a deleted row, every column.
func (x *RowTxn) Delete(r SbRow) error {
	out, err := codec.EncodeOldRow(nil, x.ids(), x.datums(r), time.UTC)
	if err != nil {
		return fmt.Errorf("encode deleted row: %w", err)
	}
	x.mut.DeletedRows = append(x.mut.DeletedRows, out)
	x.mut.Sequence = append(x.mut.Sequence, binlogpb.MutationType_DeleteRow)
	x.touch(r.ID)
	return nil
}

// Prewrite returns the transaction's prewrite binlog at startTS.
func (x *RowTxn) Prewrite(startTS int64) (*binlogpb.Binlog, error) {
	if x.rows == 0 {
		return nil, errors.New("testcluster: empty row transaction")
	}
	pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(x.t.SchemaVersion),
		Mutations: []*binlogpb.TableMutation{x.mut}}
	data, err := proto.Marshal(pv)
	if err != nil {
		return nil, fmt.Errorf("marshal prewrite value: %w", err)
	}
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	b.PrewriteKey, b.PrewriteValue = x.primary, data
	return b, nil
}
