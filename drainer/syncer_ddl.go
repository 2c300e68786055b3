package drainer

import (
	"context"
	"fmt"
	"strings"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"go.uber.org/zap"
)

// sinkRunsDDL reports whether the destination executes DDL statements
// (and so takes ShouldSkip items to forget cached table info).
func (s *Syncer) sinkRunsDDL() bool {
	switch s.opts.DestDBType {
	case DBTypeMySQL, DBTypeTiDB, DBTypeOracle:
		return true
	}
	return false
}

// handleDDL resolves a DDL binlog's job and sends it, or skips it (SPEC
// 5.5, 5.6).
func (s *Syncer) handleDDL(ctx context.Context, b *binlogpb.Binlog) error {
	ts := b.GetCommitTs()
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(string(b.GetDdlQuery()))), "select setval") {
		s.lg.Debug("skip sequence setval binlog", zap.Int64("commitTS", ts))
		s.progress.addMarker(ts)
		return nil
	}
	job, err := s.fetchJob(ctx, b)
	if err != nil {
		return err
	}
	if job == nil {
		s.progress.addMarker(ts)
		return nil
	}
	item, err := s.resolveDDL(b, job)
	if err != nil {
		return err
	}
	if item == nil {
		s.progress.addMarker(ts)
		return nil
	}
	s.lg.Info("sync DDL", zap.Int64("commitTS", ts), zap.Int64("jobID", job.ID), zap.String("schema", item.Schema),
		zap.String("table", item.Table), zap.String("query", string(b.GetDdlQuery())), zap.Bool("shouldSkip", item.ShouldSkip))
	return s.send(item)
}

// fetchJob returns the binlog's DDL job, or nil when the job is to be
// skipped (not done, or a DDL TiDB rolled back).
func (s *Syncer) fetchJob(ctx context.Context, b *binlogpb.Binlog) (*model.Job, error) {
	id := b.GetDdlJobId()
	job, err := s.deps.Jobs.Job(ctx, id)
	if err != nil {
		s.m.errors.WithLabelValues("ddl_job").Inc()
		return nil, fmt.Errorf("fetch DDL job %d of commit ts %d: %w", id, b.GetCommitTs(), err)
	}
	if model.SchemaState(b.GetDdlSchemaState()) == model.StateDeleteOnly {
		// The DeleteOnly step of a DROP COLUMN: kept whatever the job's
		// final state, so that later rows decode without the column.
		cp := *job
		cp.SchemaState = model.StateDeleteOnly
		return &cp, nil
	}
	if s.deps.Schema.SkipJob(job) {
		s.lg.Info("skip DDL job", zap.Int64("commitTS", b.GetCommitTs()), zap.Int64("jobID", id),
			zap.Stringer("state", job.State), zap.String("query", job.Query))
		return nil, nil
	}
	return job, nil
}

// resolveDDL applies the job to the schema and builds the item to send,
// or returns nil when the DDL is not sent at all.
func (s *Syncer) resolveDDL(b *binlogpb.Binlog, job *model.Job) (*sink.Item, error) {
	ts := b.GetCommitTs()
	if s.deps.Schema.IsUnsupportedDDLJob(job) {
		s.m.errors.WithLabelValues("unsupported_ddl").Inc()
		s.lg.Warn("skip DDL job of a type the drainer does not replicate", zap.Int64("commitTS", ts),
			zap.Int64("jobID", job.ID), zap.Stringer("type", job.Type), zap.String("query", job.Query))
		return nil, nil
	}
	version := int64(0)
	if job.BinlogInfo != nil {
		version = job.BinlogInfo.SchemaVersion
	}
	s.deps.Schema.AddJob(job)
	if err := s.deps.Schema.HandlePreviousDDLJobIfNeed(version); err != nil {
		return nil, fmt.Errorf("apply DDL job %d of commit ts %d: %w", job.ID, ts, err)
	}
	schema, table, err := s.deps.Schema.GetSchemaTableAndDelete(version)
	if err != nil {
		return nil, fmt.Errorf("resolve DDL job %d of commit ts %d: %w", job.ID, ts, err)
	}
	if reason := s.ddlSkipReason(job, version, schema, table); reason != "" {
		s.lg.Info("skip DDL", zap.Int64("commitTS", ts), zap.Int64("jobID", job.ID), zap.String("reason", reason),
			zap.String("query", string(b.GetDdlQuery())))
		return nil, nil
	}
	item := &sink.Item{Binlog: b, Schema: schema, Table: table, SchemaVersion: version}
	filtered := s.deps.Events != nil && s.deps.Events.SkipDDL(schema, table, string(b.GetDdlQuery()))
	if filtered || !s.opts.SyncDDL {
		if !s.sinkRunsDDL() {
			return nil, nil
		}
		item.ShouldSkip = true
	}
	return item, nil
}

// ddlSkipReason says why a resolved DDL is not sent ("" when it is).
func (s *Syncer) ddlSkipReason(job *model.Job, version int64, schema, table string) string {
	switch {
	case job.SchemaState == model.StateDeleteOnly && job.Type == model.ActionDropColumn:
		return "delete-only step of DROP COLUMN"
	case job.Type == model.ActionCreateTables && s.sinkRunsDDL():
		return "CREATE TABLES batch (the tables are created one by one downstream)"
	case version == 0:
		return "failed DDL (schema version 0)"
	case s.deps.Tables != nil && s.deps.Tables.SkipSchemaAndTable(schema, table):
		return "filtered by the table rules"
	}
	return ""
}
