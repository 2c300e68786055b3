package schema

import "github.com/openbinlog/tidb-binlog/pkg/model"

// entry returns the table an id (of a table or of one of its partitions)
// belongs to. The caller holds s.mu.
func (s *Schema) entry(id int64) (*tableEntry, bool) {
	if tid, ok := s.partitions[id]; ok {
		id = tid
	}
	e, ok := s.tables[id]
	return e, ok
}

// TableByID returns the current info of the table with this id (a
// partition id gives its table).
func (s *Schema) TableByID(id int64) (*model.TableInfo, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entry(id)
	if !ok {
		return nil, false
	}
	return e.latest().info, true
}

// TableBySchemaVersion returns the table info a row written under
// schemaVersion was encoded with: the newest kept info whose version is <=
// schemaVersion, else the oldest kept one.
func (s *Schema) TableBySchemaVersion(id, schemaVersion int64) (*model.TableInfo, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entry(id)
	if !ok {
		return nil, false
	}
	for i := len(e.infos) - 1; i >= 0; i-- {
		if e.infos[i].version <= schemaVersion {
			return e.infos[i].info, true
		}
	}
	return e.infos[0].info, true
}

// SchemaAndTableName returns the database and table names of a table (or
// partition) id.
func (s *Schema) SchemaAndTableName(id int64) (schema, table string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entry(id)
	if !ok {
		return "", "", false
	}
	db, ok := s.schemas[e.schemaID]
	if !ok {
		return "", "", false
	}
	return db.Name.O, e.latest().info.Name.O, true
}

// CanAppendDefaultValue reports whether an update row of the table that
// lacks columns may be completed with default values (SPEC 2.5): the table is
// in the DeleteOnly state of a DROP COLUMN, or the row was written under a
// schema version older than the table's last DDL.
func (s *Schema) CanAppendDefaultValue(id, schemaVersion int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entry(id)
	if !ok {
		return false
	}
	if _, dropping := s.droppingColumn[e.latest().info.ID]; dropping {
		return true
	}
	return schemaVersion < e.latest().version
}

// SchemaByID returns the database with this id.
func (s *Schema) SchemaByID(id int64) (*model.DBInfo, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	db, ok := s.schemas[id]
	return db, ok
}

// SchemaID returns the id of the database with this name (as written).
func (s *Schema) SchemaID(name string) (int64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.schemaNameToID[name]
	return id, ok
}

// TableIDs returns the ids of the tables, views and sequences (not
// partitions) the schema knows, in no particular order.
func (s *Schema) TableIDs() []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]int64, 0, len(s.tables))
	for id := range s.tables {
		ids = append(ids, id)
	}
	return ids
}
