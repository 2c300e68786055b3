package drainer

import (
	"context"
	"fmt"
	"slices"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// handleDML resolves, filters and sends one DML transaction (SPEC 5.6).
func (s *Syncer) handleDML(ctx context.Context, b *binlogpb.Binlog) error {
	ts := b.GetCommitTs()
	pv := new(binlogpb.PrewriteValue)
	if err := decodePrewrite(b.GetPrewriteValue(), pv); err != nil {
		s.m.errors.WithLabelValues("unmarshal_prewrite").Inc()
		return fmt.Errorf("decode the prewrite value of commit ts %d: %w", ts, err)
	}
	// The rows (which alias the raw bytes) are all that is used from here on.
	b.PrewriteValue = nil
	// The sink translates the rows into column values, about as big.
	rows := decodedSize(pv)
	if err := s.deps.Budget.Grow(ctx, b, 2*rows); err != nil {
		return err
	}
	pv.Mutations = slices.DeleteFunc(pv.Mutations, func(m *binlogpb.TableMutation) bool {
		return s.deps.Schema.IsTruncateTableID(m.GetTableId())
	})
	if err := s.deps.Schema.HandlePreviousDDLJobIfNeed(pv.GetSchemaVersion()); err != nil {
		return fmt.Errorf("apply DDL jobs up to version %d for commit ts %d: %w", pv.GetSchemaVersion(), ts, err)
	}
	item := &sink.Item{Binlog: b, PrewriteValue: pv, SchemaVersion: pv.GetSchemaVersion()}
	if s.opts.LoopbackControl && s.deps.Loopback != nil {
		loop, err := s.deps.Loopback(item)
		if err != nil {
			return fmt.Errorf("check loopback mark of commit ts %d: %w", ts, err)
		}
		if loop {
			s.progress.addMarker(ts)
			return nil
		}
	}
	pv.Mutations = slices.DeleteFunc(pv.Mutations, s.filterMutation)
	if len(pv.Mutations) == 0 {
		s.progress.addMarker(ts)
		return nil
	}
	// The charge stays twice the rows until the downstream confirms: the
	// values are held with the loader's row changes, statement arguments and
	// driver buffers, about as much again (measured with 100 MiB transactions).
	return s.send(item)
}

// filterMutation applies the table rules and the binlog-filter rules to one
// table's changes; it reports whether nothing of it is left.
func (s *Syncer) filterMutation(m *binlogpb.TableMutation) bool {
	schema, table, ok := s.deps.Schema.SchemaAndTableName(m.GetTableId())
	if !ok {
		// Unknown table (e.g. dropped): the translator reports it; keep it
		// so that the error is not silently swallowed here.
		return false
	}
	if s.deps.Tables != nil && s.deps.Tables.SkipSchemaAndTable(schema, table) {
		return true
	}
	if s.deps.Events == nil {
		return false
	}
	skip := map[binlogpb.MutationType]bool{}
	if s.deps.Events.SkipDML(schema, table, loader.InsertDMLType) {
		skip[binlogpb.MutationType_Insert] = true
		m.InsertedRows = nil
	}
	if s.deps.Events.SkipDML(schema, table, loader.UpdateDMLType) {
		skip[binlogpb.MutationType_Update] = true
		m.UpdatedRows = nil
	}
	if s.deps.Events.SkipDML(schema, table, loader.DeleteDMLType) {
		skip[binlogpb.MutationType_DeleteID] = true
		skip[binlogpb.MutationType_DeletePK] = true
		skip[binlogpb.MutationType_DeleteRow] = true
		m.DeletedIds, m.DeletedPks, m.DeletedRows = nil, nil, nil
	}
	if len(skip) > 0 {
		m.Sequence = slices.DeleteFunc(m.Sequence, func(t binlogpb.MutationType) bool { return skip[t] })
	}
	return len(m.GetInsertedRows())+len(m.GetUpdatedRows())+len(m.GetDeletedIds())+
		len(m.GetDeletedPks())+len(m.GetDeletedRows()) == 0
}

// rowOverhead is what a decoded row costs beyond its bytes (slice headers,
// the DML and its value map once translated).
const rowOverhead = 128

// decodedSize estimates the memory of a decoded transaction's rows, which
// is also about what their translated column values hold.
func decodedSize(pv *binlogpb.PrewriteValue) int64 {
	n := int64(2 * rowOverhead)
	for _, m := range pv.GetMutations() {
		rows := [][][]byte{m.GetInsertedRows(), m.GetUpdatedRows(), m.GetDeletedPks(), m.GetDeletedRows()}
		for _, rs := range rows {
			for _, r := range rs {
				n += int64(len(r)) + rowOverhead
			}
		}
		n += 16 * int64(len(m.GetDeletedIds())+len(m.GetSequence()))
	}
	return n
}
