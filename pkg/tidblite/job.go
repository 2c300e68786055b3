package tidblite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

// jobVersion is Job.Version of TiDB v7 jobs.
const jobVersion = 1

// buildJob describes a finished DDL as TiDB's history keeps it: state
// synced, and a `binlog` HistoryInfo holding the new schema version, the
// database or table info after the change and the finish TSO.
func (s *Server) buildJob(ctx context.Context, r *ddlRun) (*model.Job, error) {
	p := r.plan
	finished, err := s.tso.TSO(ctx)
	if err != nil {
		return nil, fmt.Errorf("get finish ts: %w", err)
	}
	version, err := s.meta.alloc(ctx, counterSchemaVersion, actionSteps[p.action])
	if err != nil {
		return nil, fmt.Errorf("allocate schema version: %w", err)
	}
	seq, err := s.meta.alloc(ctx, counterDDLSeq, 1)
	if err != nil {
		return nil, fmt.Errorf("allocate job sequence: %w", err)
	}
	job := &model.Job{
		ID: r.jobID, Type: p.action, State: model.JobStateSynced, SchemaState: finalState(p.action),
		RealStartTS: uint64(r.startTS), StartTS: uint64(r.jobStartTS), Query: p.query,
		Version: jobVersion, SeqNum: uint64(seq),
		BinlogInfo: &model.HistoryInfo{SchemaVersion: version, FinishedTS: uint64(finished)},
	}
	if p.db != nil {
		job.SchemaID, job.SchemaName = p.db.ID, p.db.Name.O
	}
	if err := s.fillJobInfo(ctx, r, job); err != nil {
		return nil, err
	}
	return job, nil
}

// fillJobInfo sets the objects of the job and the info after the change.
func (s *Server) fillJobInfo(ctx context.Context, r *ddlRun, job *model.Job) error {
	p := r.plan
	bi := job.BinlogInfo
	if isMetaOnly(p.action) {
		return s.metaJobInfo(r, job)
	}
	switch p.action {
	case model.ActionCreateSchema:
		job.SchemaID, job.SchemaName = r.objID, p.dbName
		bi.DBInfo = &model.DBInfo{ID: r.objID, Name: model.NewCIStr(p.dbName), Charset: model.CharsetUTF8MB4,
			Collate: "utf8mb4_bin", State: model.StatePublic}
		return nil
	case model.ActionDropSchema:
		db := *p.db
		db.State = model.StateNone
		bi.DBInfo = &db
		var ids []int64
		for _, t := range s.cat.tablesOf(p.db.ID) {
			ids = append(ids, t.ID)
		}
		return setArgs(job, ids)
	}
	job.TableName = p.tableName
	if p.table != nil {
		job.TableID = p.table.ID
	}
	ti, err := s.tableInfoAfter(ctx, r, job)
	if err != nil {
		return err
	}
	bi.TableInfo = ti
	if p.action == model.ActionCreateTable {
		job.TableID = ti.ID
	}
	return nil
}

// tableInfoAfter is the TableInfo a table job leaves.
func (s *Server) tableInfoAfter(ctx context.Context, r *ddlRun, job *model.Job) (*model.TableInfo, error) {
	p := r.plan
	switch p.action {
	case model.ActionDropTable, model.ActionTruncateTable, model.ActionRenameTable:
		ti, err := p.table.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone table info: %w", err)
		}
		switch p.action {
		case model.ActionDropTable:
			ti.State = model.StateNone
		case model.ActionTruncateTable:
			ti.ID = r.objID
			if ti.Partition != nil {
				for i := range ti.Partition.Definitions {
					ti.Partition.Definitions[i].ID = r.partIDs[i]
				}
			}
		default:
			ti.Name = model.NewCIStr(p.newTableName)
			job.SchemaID, job.SchemaName = p.newDB.ID, p.newDB.Name.O
			if err := setArgs(job, p.db.ID, model.NewCIStr(p.newTableName), p.db.Name.O); err != nil {
				return nil, err
			}
		}
		return ti, nil
	}
	shape, c, err := s.shapeOf(ctx, p.dbName, p.tableName)
	if err != nil {
		return nil, err
	}
	o := infoOpts{prev: p.table, renamed: p.renamed, added: p.added, updateTS: uint64(r.startTS),
		nowUTC: pd.TSToTime(r.startTS).UTC().Format(time.DateTime)}
	if p.table != nil {
		o.id = p.table.ID
	} else {
		o.id = r.objID
	}
	ti, err := buildTableInfo(c, shape, o)
	if err != nil {
		return nil, fmt.Errorf("build table info of %s: %w", p.tableName, err)
	}
	if err := keepPartitioning(ti, p, r.partIDs); err != nil {
		return nil, err
	}
	return ti, nil
}

// keepPartitioning gives a new table its partitions, and a changed table
// the partitions it had.
func keepPartitioning(ti *model.TableInfo, p *ddlPlan, ids []int64) error {
	if p.action == model.ActionCreateTable && p.part != nil {
		pi, err := p.part.partitionInfo(ti, ids)
		if err != nil {
			return err
		}
		ti.Partition = pi
		return nil
	}
	if p.table == nil || p.table.Partition == nil {
		return nil
	}
	prev, err := p.table.Clone()
	if err != nil {
		return fmt.Errorf("clone table info: %w", err)
	}
	ti.Partition = prev.Partition
	return nil
}

// setArgs stores the job's arguments as TiDB's raw_args array.
func setArgs(job *model.Job, args ...any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("marshal job args: %w", err)
	}
	job.RawArgs = b
	return nil
}
