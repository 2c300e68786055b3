package schema

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// The storage operations below are called with s.mu held.

// createSchema adds a database; an existing one with the same id is
// replaced (its tables stay).
func (s *Schema) createSchema(db *model.DBInfo) {
	if old, ok := s.schemas[db.ID]; ok {
		s.lg.Info("database already exists, replace its info", zap.Int64("schemaID", db.ID), zap.String("schema", old.Name.O))
		if s.schemaNameToID[old.Name.O] == db.ID {
			delete(s.schemaNameToID, old.Name.O)
		}
	}
	s.schemas[db.ID] = db
	s.schemaNameToID[db.Name.O] = db.ID
}

// dropSchema removes a database and its tables and returns its name.
func (s *Schema) dropSchema(id int64) (string, error) {
	db, ok := s.schemas[id]
	if !ok {
		return "", fmt.Errorf("%w: id %d", ErrSchemaNotFound, id)
	}
	for tid, e := range s.tables {
		if e.schemaID == id {
			s.removeTable(tid)
		}
	}
	delete(s.schemas, id)
	if s.schemaNameToID[db.Name.O] == id {
		delete(s.schemaNameToID, db.Name.O)
	}
	return db.Name.O, nil
}

// schemaName returns the name of a database that must exist.
func (s *Schema) schemaName(id int64) (string, error) {
	db, ok := s.schemas[id]
	if !ok {
		return "", fmt.Errorf("%w: id %d", ErrSchemaNotFound, id)
	}
	return db.Name.O, nil
}

// createTable adds a table (view, sequence) to a database. A table with
// the same id is replaced; it is no longer a truncated id.
func (s *Schema) createTable(schemaID int64, info *model.TableInfo, version int64) error {
	if info == nil {
		return fmt.Errorf("%w: table info", ErrMissingInfo)
	}
	if _, ok := s.schemas[schemaID]; !ok {
		return fmt.Errorf("%w: id %d (table %s)", ErrSchemaNotFound, schemaID, info.Name.O)
	}
	if e, ok := s.tables[info.ID]; ok {
		s.lg.Info("table already exists, replace its info", zap.Int64("tableID", info.ID), zap.String("table", info.Name.O))
		e.schemaID = schemaID
		s.pushInfo(e, info, version)
		return nil
	}
	s.tables[info.ID] = &tableEntry{schemaID: schemaID, infos: []versionedInfo{{version: version, info: info}}}
	delete(s.truncated, info.ID)
	s.setPartitions(info, nil)
	return nil
}

// replaceTable records a new info of an existing table.
func (s *Schema) replaceTable(info *model.TableInfo, version int64) error {
	e, ok := s.tables[info.ID]
	if !ok {
		return fmt.Errorf("%w: id %d (%s)", ErrTableNotFound, info.ID, info.Name.O)
	}
	s.pushInfo(e, info, version)
	return nil
}

// pushInfo appends an info version (keeping the last keepVersions) and
// updates the partition ids.
func (s *Schema) pushInfo(e *tableEntry, info *model.TableInfo, version int64) {
	old := e.latest().info
	if n := len(e.infos); e.infos[n-1].version == version {
		e.infos[n-1].info = info // the DeleteOnly and done binlogs of one job
	} else {
		e.infos = append(e.infos, versionedInfo{version: version, info: info})
	}
	if n := len(e.infos); n > keepVersions {
		e.infos = append(e.infos[:0:0], e.infos[n-keepVersions:]...)
	}
	s.setPartitions(info, old)
}

// setPartitions maps the partition ids of info to its table, forgetting the
// ids of old that info no longer has. A partition id the table has is not a
// truncated id (FLASHBACK TABLE brings a truncated table back with its
// partitions).
func (s *Schema) setPartitions(info, old *model.TableInfo) {
	if old != nil {
		for _, pid := range old.PartitionIDs() {
			if s.partitions[pid] == old.ID {
				delete(s.partitions, pid)
			}
		}
	}
	for _, pid := range info.PartitionIDs() {
		s.partitions[pid] = info.ID
		delete(s.truncated, pid)
	}
}

// dropTable removes a table and returns its database and table names.
func (s *Schema) dropTable(id int64) (TableName, error) {
	e, ok := s.tables[id]
	if !ok {
		return TableName{}, fmt.Errorf("%w: id %d", ErrTableNotFound, id)
	}
	tn := TableName{Table: e.latest().info.Name.O}
	if db, ok := s.schemas[e.schemaID]; ok {
		tn.Schema = db.Name.O
	}
	s.removeTable(id)
	return tn, nil
}

func (s *Schema) removeTable(id int64) {
	e := s.tables[id]
	for _, pid := range e.latest().info.PartitionIDs() {
		if s.partitions[pid] == id {
			delete(s.partitions, pid)
		}
	}
	delete(s.tables, id)
	delete(s.droppingColumn, id)
}

// markTruncated remembers ids whose rows must be dropped from now on.
func (s *Schema) markTruncated(ids ...int64) {
	for _, id := range ids {
		s.truncated[id] = struct{}{}
	}
}
