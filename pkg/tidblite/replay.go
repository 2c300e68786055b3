package tidblite

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// etcdOpTimeout bounds one meta operation done in the background.
const etcdOpTimeout = 5 * time.Second

// catchUp loads the DDL jobs finished since the last one this instance
// applied (by other instances sharing the meta, or before a restart): each
// is replayed on the engine so that both instances agree on names and IDs.
// Rows are not shared. Called with the engine lock held.
func (s *Server) catchUp(ctx context.Context) error {
	s.catMu.RLock()
	last := s.cat.lastJobID
	s.catMu.RUnlock()
	jobs, err := s.meta.jobsAfter(ctx, last)
	if err != nil {
		return err
	}
	for _, job := range jobs {
		s.replayJob(ctx, job)
	}
	return nil
}

// replayJob applies a job finished elsewhere to the engine and the catalog.
func (s *Server) replayJob(ctx context.Context, job *model.Job) {
	s.catMu.RLock()
	query, db := s.replayQuery(job)
	var prev *model.TableInfo
	if _, t := s.cat.tableByID(job.TableID); t != nil {
		prev = t
	}
	s.catMu.RUnlock()
	reshape := reshapesRows(job.Type) && prev != nil && !prev.PKIsHandle
	var handles []int64
	if reshape {
		handles = s.captureHandles(ctx, job.SchemaName, prev)
	}
	if prev != nil && (job.Type == model.ActionDropTable || job.Type == model.ActionTruncateTable) {
		s.captureRecycled(ctx, job.SchemaID, job.SchemaName, prev, job.Type == model.ActionTruncateTable)
	}
	if query != "" {
		if err := s.execInternal(ctx, db, query); err != nil {
			s.lg.Warn("replay ddl job failed", zap.Int64("jobID", job.ID), zap.String("query", query), zap.Error(err))
		}
	}
	if err := s.replayLiteDDL(ctx, job, prev); err != nil {
		s.lg.Warn("replay ddl job failed", zap.Int64("jobID", job.ID), zap.String("query", job.Query), zap.Error(err))
	}
	s.applyJob(ctx, job, handles, reshape)
	s.lg.Info("loaded ddl job", zap.Int64("jobID", job.ID), zap.Stringer("type", job.Type), zap.String("query", job.Query))
}

// replayQuery is the statement that redoes a job here, and its database.
func (s *Server) replayQuery(job *model.Job) (query, db string) {
	if isMetaOnly(job.Type) {
		return "", ""
	}
	oldDB, old := s.cat.tableByID(job.TableID)
	switch job.Type {
	case model.ActionCreateSchema:
		return "CREATE DATABASE IF NOT EXISTS " + quoteName(job.SchemaName), ""
	case model.ActionDropSchema:
		return "DROP DATABASE IF EXISTS " + quoteName(job.SchemaName), ""
	case model.ActionDropTable:
		if old == nil {
			return "", ""
		}
		return "DROP TABLE IF EXISTS " + qualified(oldDB.Name.O, old.Name.O), ""
	case model.ActionTruncateTable:
		if old == nil {
			return "", ""
		}
		return "TRUNCATE TABLE " + qualified(oldDB.Name.O, old.Name.O), ""
	case model.ActionRenameTable:
		if old == nil || job.BinlogInfo == nil || job.BinlogInfo.TableInfo == nil {
			return "", ""
		}
		if oldDB.ID == job.SchemaID { // the engine renames only in the current database
			return "RENAME TABLE " + quoteName(old.Name.O) + " TO " + quoteName(job.BinlogInfo.TableInfo.Name.O), oldDB.Name.O
		}
		return fmt.Sprintf("RENAME TABLE %s TO %s", qualified(oldDB.Name.O, old.Name.O),
			qualified(job.SchemaName, job.BinlogInfo.TableInfo.Name.O)), ""
	}
	return job.Query, job.SchemaName
}

// schemaVersion is the schema version this instance has loaded.
func (s *Server) schemaVersion() int64 {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	return s.cat.version
}

// replayLiteDDL makes here the engine change of a job tidb-lite ran
// elsewhere without the engine: the rows of the partitions it dropped or
// truncated go, a table it recovered comes back (from this instance's bin).
func (s *Server) replayLiteDDL(ctx context.Context, job *model.Job, prev *model.TableInfo) error {
	ti := job.BinlogInfo.TableInfo
	if ti == nil {
		return nil
	}
	switch job.Type {
	case model.ActionDropTablePartition, model.ActionTruncateTablePartition:
		return s.deletePartitionRows(ctx, job.SchemaName, prev, gonePartitions(prev, ti))
	case model.ActionRecoverTable:
		s.bin.mu.Lock()
		var rec *recycled
		for _, r := range s.bin.tables {
			if r.info.ID == ti.ID {
				rec = r
			}
		}
		s.bin.mu.Unlock()
		if rec == nil {
			return fmt.Errorf("tidblite: recovered table %d was not dropped here", ti.ID)
		}
		return s.restoreRecycled(ctx, job.SchemaName, ti.Name.O, rec)
	}
	return nil
}
