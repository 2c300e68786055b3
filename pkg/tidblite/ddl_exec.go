package tidblite

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// counterDDLSeq numbers DDL jobs (Job.SeqNum).
const counterDDLSeq = "ddl-seq"

// ddlStmt runs a DDL statement: it commits the open transaction (implicit
// commit), serializes with every other DDL of the cluster, and turns each
// schema change into a DDL job with its DDL binlogs.
func (s *Server) ddlStmt(ctx context.Context, cs *connState, st classified, query string, run runFn, cb resultFn) error {
	if cs.txn != nil {
		if err := s.commitOpen(ctx, cs); err != nil {
			return err
		}
	}
	s.engineMu.Lock()
	defer s.engineMu.Unlock()
	s.resetSession(cs)
	s.prepareSession(cs)
	unlock, err := s.meta.lockDDL(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.catchUp(ctx); err != nil {
		return err
	}
	s.catMu.RLock()
	plans, passthrough, err := planDDL(st.parsed, query, s.currentDB(cs), s.cat)
	s.catMu.RUnlock()
	if err != nil {
		return err
	}
	if passthrough {
		return run(cb)
	}
	if len(plans) == 1 && plans[0].engineQuery == "" && plans[0].query == strings.TrimRight(strings.TrimSpace(query), "; \t\n") {
		var buf resultBuffer
		if err := s.runDDL(ctx, plans[0], func() error { return run(buf.add) }); err != nil {
			return err
		}
		return buf.flush(cb)
	}
	for _, p := range plans {
		q := p.query
		exec := func() error { return s.internal(ctx, cs, q) }
		if p.engineQuery != "" {
			exec = func() error { return s.execInternal(ctx, p.dbName, p.engineQuery) }
		}
		if err := s.runDDL(ctx, p, exec); err != nil {
			return err
		}
	}
	return cb(okResult(), false)
}

// ddlRun is the state of one job while it runs.
type ddlRun struct {
	plan       *ddlPlan
	jobID      int64
	objID      int64 // new schema or table ID
	jobStartTS int64
	startTS    int64 // start_ts of the DDL binlog transaction
	handles    []int64
	partIDs    []int64 // new partition IDs (create, truncate, add or truncate partition)
}

// runDDL runs one job: its prewrite DDL binlog, the engine change, the job
// in history, and its commit binlog (two pairs for DROP COLUMN).
func (s *Server) runDDL(ctx context.Context, p *ddlPlan, exec func() error) error {
	r := &ddlRun{plan: p}
	if err := s.allocJobIDs(ctx, r); err != nil {
		return err
	}
	if p.objID != 0 {
		r.objID = p.objID
	}
	states := binlogStates(p.action)
	var err error
	if r.startTS, err = s.tso.TSO(ctx); err != nil {
		return fmt.Errorf("get ddl start ts: %w", err)
	}
	if writesNoBinlog(p.action) {
		return s.applyLocalDDL(ctx, r, exec)
	}
	pre := s.ddlBinlog(r, r.startTS, states[0])
	commit := func(int64) error { return s.applyLocalDDL(ctx, r, exec) }
	nop := func() error { return nil }
	nopCommit := func(int64) error { return nil }
	if err := s.twoPhase(ctx, pre, commit, nop, func() {}); err != nil {
		return err
	}
	for _, state := range states[1:] {
		ts, err := s.tso.TSO(ctx)
		if err != nil {
			return fmt.Errorf("get ddl start ts: %w", err)
		}
		if err := s.twoPhase(ctx, s.ddlBinlog(r, ts, state), nopCommit, nop, func() {}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) allocJobIDs(ctx context.Context, r *ddlRun) error {
	var err error
	switch r.plan.action {
	case model.ActionCreateSchema, model.ActionCreateTable, model.ActionTruncateTable,
		model.ActionCreatePlacementPolicy, model.ActionCreateResourceGroup, model.ActionCreateSequence:
		if r.objID, err = s.meta.alloc(ctx, counterGlobalID, 1); err != nil {
			return fmt.Errorf("allocate id: %w", err)
		}
	}
	// TiDB gives new partitions their IDs before the job's, except that
	// TRUNCATE TABLE reassigns them while the job runs.
	if n := newPartitionCount(r.plan); n > 0 && r.plan.action != model.ActionTruncateTable {
		if r.partIDs, err = s.allocIDs(ctx, n); err != nil {
			return err
		}
	}
	if r.jobID, err = s.meta.alloc(ctx, counterGlobalID, 1); err != nil {
		return fmt.Errorf("allocate job id: %w", err)
	}
	if n := newPartitionCount(r.plan); n > 0 && r.plan.action == model.ActionTruncateTable {
		if r.partIDs, err = s.allocIDs(ctx, n); err != nil {
			return err
		}
	}
	if r.jobStartTS, err = s.tso.TSO(ctx); err != nil {
		return fmt.Errorf("get job start ts: %w", err)
	}
	return nil
}

// ddlBinlog builds a DDL prewrite binlog: no rows, the job ID, the query
// and the schema state; the primary key is the meta key TiDB's DDL
// transaction writes first.
func (s *Server) ddlBinlog(r *ddlRun, startTS int64, state model.SchemaState) *binlogpb.Binlog {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	b.PrewriteKey = ddlPrewriteKey(r)
	b.DdlJobId = proto.Int64(r.jobID)
	b.DdlQuery = []byte(r.plan.query + ";")
	b.DdlSchemaState = proto.Int32(int32(state))
	return b
}

func ddlPrewriteKey(r *ddlRun) []byte {
	p := r.plan
	switch p.action {
	case model.ActionCreateSchema:
		return codec.EncodeMetaHashKey([]byte("DBs"), fmt.Appendf(nil, "DB:%d", r.objID))
	case model.ActionDropSchema:
		return codec.EncodeMetaHashKey([]byte("DBs"), fmt.Appendf(nil, "DB:%d", p.db.ID))
	case model.ActionCreateTable, model.ActionTruncateTable, model.ActionCreateSequence:
		return codec.MetaTableKey(p.db.ID, r.objID)
	case model.ActionRenameTable:
		return codec.MetaTableKey(p.newDB.ID, p.table.ID)
	case model.ActionCreatePlacementPolicy, model.ActionAlterPlacementPolicy, model.ActionDropPlacementPolicy:
		return codec.EncodeMetaHashKey([]byte("Policies"), fmt.Appendf(nil, "Policy:%d", r.objID))
	case model.ActionCreateResourceGroup, model.ActionAlterResourceGroup, model.ActionDropResourceGroup:
		return codec.EncodeMetaHashKey([]byte("ResourceGroups"), fmt.Appendf(nil, "RG:%d", r.objID))
	}
	return codec.MetaTableKey(p.db.ID, p.table.ID)
}

// applyLocalDDL changes the engine, then records the finished job in the
// history and in the catalog. It runs after commit_ts was taken.
func (s *Server) applyLocalDDL(ctx context.Context, r *ddlRun, exec func() error) error {
	p := r.plan
	reshape := reshapesRows(p.action) && !p.table.PKIsHandle
	if reshape {
		r.handles = s.captureHandles(ctx, p.dbName, p.table)
	}
	if p.action == model.ActionDropTable || p.action == model.ActionTruncateTable {
		s.captureRecycled(ctx, p.db.ID, p.dbName, p.table, p.action == model.ActionTruncateTable)
	}
	if err := exec(); err != nil {
		return err
	}
	job, err := s.buildJob(ctx, r)
	if err != nil {
		s.lg.Error("ddl ran but its job could not be built", zap.String("query", p.query), zap.Error(err))
		return err
	}
	if err := s.meta.addJob(ctx, job); err != nil {
		return err
	}
	s.applyJob(ctx, job, r.handles, reshape)
	return nil
}

// captureHandles takes the handles of a table's rows in engine order
// before a DDL rewrites them.
func (s *Server) captureHandles(ctx context.Context, db string, ti *model.TableInfo) []int64 {
	rows, err := s.scanRows(ctx, db, ti.Name.O)
	if err != nil {
		s.lg.Warn("scan rows before ddl failed", zap.String("table", ti.Name.O), zap.Error(err))
		return nil
	}
	return s.ids.handlesInOrder(ti, rows)
}

// applyJob loads a finished job into the catalog and the row-ID registry.
func (s *Server) applyJob(ctx context.Context, job *model.Job, handles []int64, reshape bool) {
	s.catMu.Lock()
	s.cat.apply(job)
	s.catMu.Unlock()
	s.markJob(job)
	switch job.Type {
	case model.ActionDropTable, model.ActionTruncateTable:
		s.ids.drop(job.TableID)
	case model.ActionDropSequence:
		s.seqs.forget(job.TableID)
	case model.ActionDropSchema:
		var ids []int64
		_ = job.DecodeArgs(&ids)
		for _, id := range ids {
			s.ids.drop(id)
		}
	}
	if ti := job.BinlogInfo.TableInfo; reshape && ti != nil {
		rows, err := s.scanRows(ctx, job.SchemaName, ti.Name.O)
		if err != nil || !s.ids.rebuild(ti, handles, rows) {
			s.lg.Warn("rows of table lost their row ids after ddl", zap.String("table", ti.Name.O), zap.Error(err))
		}
	}
}
