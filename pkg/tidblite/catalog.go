package tidblite

import (
	"sort"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// catalog is the TiDB view of the schema (IDs, TableInfo) that this instance
// has loaded, built only by applying finished DDL jobs in history order,
// exactly as a TiDB instance loads its info schema. It is guarded by the
// engine lock.
type catalog struct {
	version   int64 // schema version of the last applied job
	lastJobID int64
	dbs       map[int64]*model.DBInfo
	tables    map[int64]*tableEntry
}

type tableEntry struct {
	schemaID int64
	info     *model.TableInfo
}

func newCatalog() *catalog {
	return &catalog{version: initialSchemaVersion, dbs: map[int64]*model.DBInfo{}, tables: map[int64]*tableEntry{}}
}

// dbByName finds a database by name (case-insensitive).
func (c *catalog) dbByName(name string) *model.DBInfo {
	l := strings.ToLower(name)
	for _, db := range c.dbs {
		if db.Name.L == l {
			return db
		}
	}
	return nil
}

// table finds a table by database and table name.
func (c *catalog) table(db, name string) (*model.DBInfo, *model.TableInfo) {
	d := c.dbByName(db)
	if d == nil {
		return nil, nil
	}
	l := strings.ToLower(name)
	for _, e := range c.tables {
		if e.schemaID == d.ID && e.info.Name.L == l {
			return d, e.info
		}
	}
	return d, nil
}

// tableByID returns a table and its database.
func (c *catalog) tableByID(id int64) (*model.DBInfo, *model.TableInfo) {
	e, ok := c.tables[id]
	if !ok {
		return nil, nil
	}
	return c.dbs[e.schemaID], e.info
}

// tablesOf lists the tables of a database by ID.
func (c *catalog) tablesOf(schemaID int64) []*model.TableInfo {
	var out []*model.TableInfo
	for _, e := range c.tables {
		if e.schemaID == schemaID {
			out = append(out, e.info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedDBs lists the databases by ID.
func (c *catalog) sortedDBs() []*model.DBInfo {
	out := make([]*model.DBInfo, 0, len(c.dbs))
	for _, db := range c.dbs {
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// apply loads the result of a finished job.
func (c *catalog) apply(job *model.Job) {
	bi := job.BinlogInfo
	if bi == nil {
		return
	}
	switch job.Type {
	case model.ActionCreateSchema:
		if bi.DBInfo != nil {
			c.dbs[bi.DBInfo.ID] = bi.DBInfo
		}
	case model.ActionDropSchema:
		delete(c.dbs, job.SchemaID)
		for id, e := range c.tables {
			if e.schemaID == job.SchemaID {
				delete(c.tables, id)
			}
		}
	case model.ActionDropTable, model.ActionDropSequence:
		delete(c.tables, job.TableID)
	case model.ActionTruncateTable, model.ActionRenameTable:
		delete(c.tables, job.TableID)
		c.put(job.SchemaID, bi.TableInfo)
	default:
		c.put(job.SchemaID, bi.TableInfo)
	}
	if bi.SchemaVersion > c.version {
		c.version = bi.SchemaVersion
	}
	if job.ID > c.lastJobID {
		c.lastJobID = job.ID
	}
}

func (c *catalog) put(schemaID int64, info *model.TableInfo) {
	if info != nil {
		c.tables[info.ID] = &tableEntry{schemaID: schemaID, info: info}
	}
}
