package schema

import (
	"encoding/json"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// apply changes the schema as job did and returns the database and table it
// worked on. The caller holds s.mu and has checked that the type is supported.
func (s *Schema) apply(job *model.Job) (TableName, error) {
	switch job.Type {
	case model.ActionCreateSchema, model.ActionModifySchemaCharsetAndCollate:
		return s.applyCreateSchema(job)
	case model.ActionDropSchema:
		name, err := s.dropSchema(job.SchemaID)
		return TableName{Schema: name}, err
	case model.ActionRenameTable:
		return s.applyRenameTable(job)
	case model.ActionRenameTables:
		return s.applyRenameTables(job)
	case model.ActionCreateTable, model.ActionCreateSequence, model.ActionRecoverTable:
		return s.applyCreateTable(job)
	case model.ActionCreateView:
		return s.applyCreateView(job)
	case model.ActionDropTable, model.ActionDropView, model.ActionDropSequence:
		return s.dropTable(job.TableID)
	case model.ActionTruncateTable:
		return s.applyTruncateTable(job)
	case model.ActionCreateTables:
		return s.applyCreateTables(job)
	case model.ActionTruncateTablePartition:
		return s.applyTruncatePartition(job)
	case model.ActionExchangeTablePartition:
		return s.applyExchangePartition(job)
	default:
		return s.applyTableChange(job)
	}
}

func tableInfo(job *model.Job) (*model.TableInfo, error) {
	if job.BinlogInfo == nil || job.BinlogInfo.TableInfo == nil {
		return nil, fmt.Errorf("%w: table info of job %d", ErrMissingInfo, job.ID)
	}
	return job.BinlogInfo.TableInfo, nil
}

// applyCreateSchema handles CreateSchema and ModifySchemaCharsetAndCollate:
// both carry the database's new info.
func (s *Schema) applyCreateSchema(job *model.Job) (TableName, error) {
	if job.BinlogInfo == nil || job.BinlogInfo.DBInfo == nil {
		return TableName{}, fmt.Errorf("%w: database info of job %d", ErrMissingInfo, job.ID)
	}
	db := job.BinlogInfo.DBInfo
	if job.Type == model.ActionModifySchemaCharsetAndCollate {
		if _, ok := s.schemas[db.ID]; !ok {
			return TableName{}, fmt.Errorf("%w: id %d", ErrSchemaNotFound, db.ID)
		}
	}
	s.createSchema(db)
	return TableName{Schema: db.Name.O}, nil
}

func (s *Schema) applyCreateTable(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	if err := s.createTable(job.SchemaID, info, job.SchemaVersion()); err != nil {
		return TableName{}, err
	}
	return s.nameOf(job.SchemaID, info), nil
}

// applyCreateView handles CREATE [OR REPLACE] VIEW: a replaced view gets a
// new id, the old one is dropped (args: info, orReplace, oldViewID).
func (s *Schema) applyCreateView(job *model.Job) (TableName, error) {
	var (
		skip      json.RawMessage
		orReplace bool
		oldID     int64
	)
	if err := job.DecodeArgs(&skip, &orReplace, &oldID); err != nil {
		s.lg.Warn("cannot decode create view arguments", zap.Int64("jobID", job.ID), zap.Error(err))
	}
	if info := job.BinlogInfo; orReplace && oldID > 0 && info != nil && info.TableInfo != nil && oldID != info.TableInfo.ID {
		if _, ok := s.tables[oldID]; ok {
			s.removeTable(oldID)
		}
	}
	return s.applyCreateTable(job)
}

func (s *Schema) applyRenameTable(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	if _, err := s.schemaName(job.SchemaID); err != nil {
		return TableName{}, err
	}
	if _, err := s.dropTable(job.TableID); err != nil {
		return TableName{}, err
	}
	if err := s.createTable(job.SchemaID, info, job.SchemaVersion()); err != nil {
		return TableName{}, err
	}
	return s.nameOf(job.SchemaID, info), nil
}

// applyRenameTables handles RENAME TABLE a TO b, c TO d: args are the old
// and new schema ids, the new names and the table ids; the new infos are
// in MultipleTableInfos. The first pair names the job.
func (s *Schema) applyRenameTables(job *model.Job) (TableName, error) {
	var oldSchemaIDs, newSchemaIDs []int64
	if err := job.DecodeArgs(&oldSchemaIDs, &newSchemaIDs); err != nil {
		return TableName{}, fmt.Errorf("%w: %w", ErrBadJobArgs, err)
	}
	var infos []*model.TableInfo
	if job.BinlogInfo != nil {
		infos = job.BinlogInfo.MultipleTableInfos
	}
	if len(infos) == 0 || len(newSchemaIDs) < len(infos) {
		return TableName{}, fmt.Errorf("%w: rename tables job %d has %d table infos and %d schema ids",
			ErrBadJobArgs, job.ID, len(infos), len(newSchemaIDs))
	}
	for i, info := range infos {
		if info == nil {
			return TableName{}, fmt.Errorf("%w: table info %d of job %d", ErrMissingInfo, i, job.ID)
		}
		if _, err := s.dropTable(info.ID); err != nil {
			return TableName{}, err
		}
		if err := s.createTable(newSchemaIDs[i], info, job.SchemaVersion()); err != nil {
			return TableName{}, err
		}
	}
	return s.nameOf(newSchemaIDs[0], infos[0]), nil
}

// applyTruncateTable drops the old id (remembered as truncated, with its
// partition ids) and creates the table under its new id.
func (s *Schema) applyTruncateTable(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	if _, err := s.schemaName(job.SchemaID); err != nil {
		return TableName{}, err
	}
	e, ok := s.tables[job.TableID]
	if !ok {
		return TableName{}, fmt.Errorf("%w: id %d", ErrTableNotFound, job.TableID)
	}
	oldIDs := append([]int64{job.TableID}, e.latest().info.PartitionIDs()...)
	s.removeTable(job.TableID)
	s.markTruncated(oldIDs...)
	if err := s.createTable(job.SchemaID, info, job.SchemaVersion()); err != nil {
		return TableName{}, err
	}
	return s.nameOf(job.SchemaID, info), nil
}

func (s *Schema) applyCreateTables(job *model.Job) (TableName, error) {
	if job.BinlogInfo == nil || len(job.BinlogInfo.MultipleTableInfos) == 0 {
		return TableName{}, fmt.Errorf("%w: table infos of job %d", ErrMissingInfo, job.ID)
	}
	name, err := s.schemaName(job.SchemaID)
	if err != nil {
		return TableName{}, err
	}
	for _, info := range job.BinlogInfo.MultipleTableInfos {
		if err := s.createTable(job.SchemaID, info, job.SchemaVersion()); err != nil {
			return TableName{}, err
		}
	}
	return TableName{Schema: name}, nil
}

// applyTruncatePartition replaces the table; the partition ids it no longer
// has are truncated ids.
func (s *Schema) applyTruncatePartition(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	var before []int64
	if e, ok := s.tables[info.ID]; ok {
		before = e.latest().info.PartitionIDs()
	}
	tn, err := s.applyTableChange(job)
	if err != nil {
		return tn, err
	}
	after := info.PartitionIDs()
	for _, pid := range before {
		if !slices.Contains(after, pid) {
			s.markTruncated(pid)
		}
	}
	return tn, nil
}

// applyTableChange handles every other table-level job: the job's table
// info replaces the table's. A job that gave the table a new id (the info's
// id differs from the job's table id) replaces the old id.
func (s *Schema) applyTableChange(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	if _, err := s.schemaName(job.SchemaID); err != nil {
		return TableName{}, err
	}
	if job.TableID != info.ID {
		if _, ok := s.tables[job.TableID]; ok {
			s.removeTable(job.TableID)
		}
	}
	if _, ok := s.tables[info.ID]; ok {
		err = s.replaceTable(info, job.SchemaVersion())
	} else {
		err = s.createTable(job.SchemaID, info, job.SchemaVersion())
	}
	if err != nil {
		return TableName{}, err
	}
	if isDropColumn(job.Type) {
		if job.SchemaState == model.StateDeleteOnly {
			s.droppingColumn[info.ID] = struct{}{}
		} else {
			delete(s.droppingColumn, info.ID)
		}
	}
	return s.nameOf(job.SchemaID, info), nil
}

func (s *Schema) nameOf(schemaID int64, info *model.TableInfo) TableName {
	tn := TableName{Table: info.Name.O}
	if db, ok := s.schemas[schemaID]; ok {
		tn.Schema = db.Name.O
	}
	return tn
}
