package schema

import (
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// applyExchangePartition handles ALTER TABLE pt EXCHANGE PARTITION p WITH
// TABLE nt. The job's table is nt, its args are (partition id, pt's schema
// id, pt's id, ...) and its info is pt after the exchange: the partition now
// has nt's old id, and nt continues under the partition's old id.
func (s *Schema) applyExchangePartition(job *model.Job) (TableName, error) {
	info, err := tableInfo(job)
	if err != nil {
		return TableName{}, err
	}
	var defID, ptSchemaID, ptID int64
	if err := job.DecodeArgs(&defID, &ptSchemaID, &ptID); err != nil {
		return TableName{}, fmt.Errorf("%w: %w", ErrBadJobArgs, err)
	}
	if ptID != info.ID || defID == 0 {
		return TableName{}, fmt.Errorf("%w: exchange partition job %d: partition %d of table %d, info of table %d",
			ErrBadJobArgs, job.ID, defID, ptID, info.ID)
	}
	nt, ok := s.tables[job.TableID]
	if !ok {
		return TableName{}, fmt.Errorf("%w: id %d", ErrTableNotFound, job.TableID)
	}
	ntInfo, err := nt.latest().info.Clone()
	if err != nil {
		return TableName{}, err
	}
	ntInfo.ID = defID
	ntSchemaID := nt.schemaID
	s.removeTable(job.TableID)
	if _, ok := s.tables[info.ID]; ok {
		err = s.replaceTable(info, job.SchemaVersion())
	} else {
		err = s.createTable(ptSchemaID, info, job.SchemaVersion())
	}
	if err != nil {
		return TableName{}, err
	}
	if err := s.createTable(ntSchemaID, ntInfo, job.SchemaVersion()); err != nil {
		return TableName{}, err
	}
	return s.nameOf(job.SchemaID, info), nil
}
