package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// replica rebuilds the upstream tables from binlogs alone, the way a
// drainer does: DDL jobs from /ddl/history, rows decoded with pkg/codec.
type replica struct {
	t       *testing.T
	history map[int64]*model.Job
	dbs     map[int64]string
	tables  map[int64]*replicaTable
	version int64 // schema version of the last DDL applied
	// exactVersion: every DML must carry the version of the last DDL (one
	// upstream instance); otherwise it may not be newer.
	exactVersion bool
	dmls, ddls   int
}

type replicaTable struct {
	schemaID int64
	info     *model.TableInfo
	rows     map[int64]map[int64]codec.Datum // handle -> column id -> value
}

func fetchHistory(t *testing.T, statusURL string) map[int64]*model.Job {
	t.Helper()
	resp, err := http.Get(statusURL + "/ddl/history")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var jobs []*model.Job
	require.NoError(t, json.Unmarshal(body, &jobs))
	out := map[int64]*model.Job{}
	for _, j := range jobs {
		out[j.ID] = j
	}
	return out
}

func newReplica(t *testing.T, history map[int64]*model.Job, exactVersion bool) *replica {
	return &replica{t: t, history: history, dbs: map[int64]string{}, tables: map[int64]*replicaTable{}, exactVersion: exactVersion}
}

// apply applies binlogs in commit order.
func (r *replica) apply(binlogs []*binlogpb.Binlog) {
	for _, b := range binlogs {
		require.Equal(r.t, binlogpb.BinlogType_Commit, b.GetTp(), "pumps stream commit binlogs")
		require.Greater(r.t, b.GetCommitTs(), b.GetStartTs())
		if b.GetDdlJobId() > 0 {
			r.applyDDL(b)
		} else {
			r.applyDML(b)
		}
	}
}

func (r *replica) applyDDL(b *binlogpb.Binlog) {
	job, ok := r.history[b.GetDdlJobId()]
	require.True(r.t, ok, "DDL job %d in history", b.GetDdlJobId())
	require.Equal(r.t, job.Query+";", string(b.GetDdlQuery()))
	if model.SchemaState(b.GetDdlSchemaState()) == model.StateDeleteOnly {
		require.Equal(r.t, model.ActionDropColumn, job.Type)
		return // the job is applied on its final binlog
	}
	require.Equal(r.t, job.SchemaState, model.SchemaState(b.GetDdlSchemaState()))
	require.Greater(r.t, job.SchemaVersion(), r.version, "DDLs arrive in schema version order")
	r.version = job.SchemaVersion()
	r.ddls++
	bi := job.BinlogInfo
	switch job.Type {
	case model.ActionCreateSchema:
		r.dbs[bi.DBInfo.ID] = bi.DBInfo.Name.O
	case model.ActionDropSchema:
		delete(r.dbs, job.SchemaID)
		for id, tb := range r.tables {
			if tb.schemaID == job.SchemaID {
				delete(r.tables, id)
			}
		}
	case model.ActionCreateTable:
		r.tables[bi.TableInfo.ID] = &replicaTable{schemaID: job.SchemaID, info: bi.TableInfo, rows: map[int64]map[int64]codec.Datum{}}
	case model.ActionDropTable:
		delete(r.tables, job.TableID)
	case model.ActionTruncateTable:
		delete(r.tables, job.TableID)
		r.tables[bi.TableInfo.ID] = &replicaTable{schemaID: job.SchemaID, info: bi.TableInfo, rows: map[int64]map[int64]codec.Datum{}}
	default:
		tb := r.tables[job.TableID]
		require.NotNil(r.t, tb, "table %d of job %d", job.TableID, job.ID)
		r.reshape(tb, bi.TableInfo)
		tb.schemaID, tb.info = job.SchemaID, bi.TableInfo
	}
}

// reshape fills added columns with their original default and forgets
// dropped ones.
func (r *replica) reshape(tb *replicaTable, next *model.TableInfo) {
	for _, row := range tb.rows {
		for id := range row {
			if next.FindColumnByID(id) == nil {
				delete(row, id)
			}
		}
		for _, col := range next.Columns {
			if _, ok := row[col.ID]; !ok {
				d, err := codec.ColumnDefaultDatum(col, time.Local)
				require.NoError(r.t, err)
				row[col.ID] = d
			}
		}
	}
}

func (r *replica) applyDML(b *binlogpb.Binlog) {
	pv := &binlogpb.PrewriteValue{}
	require.NoError(r.t, proto.Unmarshal(b.GetPrewriteValue(), pv))
	if r.exactVersion {
		require.Equal(r.t, r.version, pv.GetSchemaVersion(), "DML schema version")
	} else {
		require.LessOrEqual(r.t, pv.GetSchemaVersion(), r.version, "DML schema version")
	}
	r.dmls++
	for _, m := range pv.GetMutations() {
		tb := r.tables[m.GetTableId()]
		require.NotNil(r.t, tb, "table %d of a DML", m.GetTableId())
		var ins, upd, del int
		for _, tp := range m.GetSequence() {
			switch tp {
			case binlogpb.MutationType_Insert:
				r.insert(tb, m.GetInsertedRows()[ins])
				ins++
			case binlogpb.MutationType_Update:
				r.update(tb, m.GetUpdatedRows()[upd])
				upd++
			case binlogpb.MutationType_DeleteRow:
				r.delete(tb, m.GetDeletedRows()[del])
				del++
			default:
				r.t.Fatalf("unexpected mutation type %s", tp)
			}
		}
		require.Equal(r.t, len(m.GetInsertedRows()), ins)
		require.Equal(r.t, len(m.GetUpdatedRows()), upd)
		require.Equal(r.t, len(m.GetDeletedRows()), del)
	}
}

func (r *replica) unflatten(tb *replicaTable, cols []codec.ColumnValue) map[int64]codec.Datum {
	out := map[int64]codec.Datum{}
	for _, c := range cols {
		if c.ID == model.ExtraHandleID {
			continue
		}
		col := tb.info.FindColumnByID(c.ID)
		require.NotNil(r.t, col, "column %d of %s", c.ID, tb.info.Name.O)
		d, err := codec.Unflatten(c.Value, &col.FieldType, time.Local)
		require.NoError(r.t, err)
		out[c.ID] = d
	}
	return out
}

func (r *replica) insert(tb *replicaTable, raw []byte) {
	rest, h, err := codec.DecodeOne(raw)
	require.NoError(r.t, err)
	cols, err := codec.DecodeOldRow(rest)
	require.NoError(r.t, err)
	row := r.unflatten(tb, cols)
	for _, col := range tb.info.Columns {
		if _, ok := row[col.ID]; ok {
			continue
		}
		if tb.info.PKIsHandle && model.HasPriKeyFlag(col.Flag) {
			d := h
			if col.IsUnsigned() {
				d = codec.NewUintDatum(uint64(h.GetInt64()))
			}
			row[col.ID] = d
			continue
		}
		d, err := codec.ColumnDefaultDatum(col, time.Local)
		require.NoError(r.t, err)
		row[col.ID] = d
	}
	_, exists := tb.rows[h.GetInt64()]
	require.False(r.t, exists, "insert of an existing handle %d into %s", h.GetInt64(), tb.info.Name.O)
	tb.rows[h.GetInt64()] = row
}

// handleOf finds the handle in a full row (PK column or _tidb_rowid).
func (r *replica) handleOf(tb *replicaTable, cols []codec.ColumnValue) int64 {
	for _, c := range cols {
		if c.ID == model.ExtraHandleID {
			return c.Value.GetInt64()
		}
	}
	pk := tb.info.GetPkColInfo()
	require.NotNil(r.t, pk, "row of %s without handle", tb.info.Name.O)
	for _, c := range cols {
		if c.ID == pk.ID {
			return c.Value.GetInt64()
		}
	}
	r.t.Fatalf("row of %s without its PK column", tb.info.Name.O)
	return 0
}

func (r *replica) update(tb *replicaTable, raw []byte) {
	cols, err := codec.DecodeOldRow(raw)
	require.NoError(r.t, err)
	seen := map[int64]bool{}
	var oldCols, newCols []codec.ColumnValue
	for _, c := range cols {
		if seen[c.ID] {
			newCols = append(newCols, c)
		} else {
			seen[c.ID] = true
			oldCols = append(oldCols, c)
		}
	}
	require.Len(r.t, newCols, len(oldCols), "update row halves")
	oldH, newH := r.handleOf(tb, oldCols), r.handleOf(tb, newCols)
	require.Equal(r.t, oldH, newH, "an update keeps its handle")
	old, ok := tb.rows[oldH]
	require.True(r.t, ok, "update of unknown handle %d in %s", oldH, tb.info.Name.O)
	require.Equal(r.t, canonRow(r.t, tb.info, old), canonRow(r.t, tb.info, r.unflatten(tb, oldCols)), "old row matches the replica")
	tb.rows[newH] = r.unflatten(tb, newCols)
}

func (r *replica) delete(tb *replicaTable, raw []byte) {
	cols, err := codec.DecodeOldRow(raw)
	require.NoError(r.t, err)
	h := r.handleOf(tb, cols)
	old, ok := tb.rows[h]
	require.True(r.t, ok, "delete of unknown handle %d in %s", h, tb.info.Name.O)
	require.Equal(r.t, canonRow(r.t, tb.info, old), canonRow(r.t, tb.info, r.unflatten(tb, cols)), "deleted row matches the replica")
	delete(tb.rows, h)
}

// table finds a replica table by name.
func (r *replica) table(db, name string) *replicaTable {
	for _, tb := range r.tables {
		if r.dbs[tb.schemaID] == db && tb.info.Name.L == name {
			return tb
		}
	}
	return nil
}
