package translatortest

import "github.com/openbinlog/tidb-binlog/pkg/model"

// Tables is a translator.TableInfoGetter that knows only the tables it was
// given, at one version each.
type Tables struct {
	Infos   map[int64]*model.TableInfo
	Schemas map[int64]string
}

// FromJob knows the table of a DDL job's table info, in the job's schema.
func FromJob(job *model.Job) *Tables {
	info := job.BinlogInfo.TableInfo
	return &Tables{Infos: map[int64]*model.TableInfo{info.ID: info}, Schemas: map[int64]string{info.ID: job.SchemaName}}
}

// TableByID returns the table's info.
func (g *Tables) TableByID(id int64) (*model.TableInfo, bool) {
	info, ok := g.Infos[id]
	return info, ok
}

// SchemaAndTableName returns the table's schema and name.
func (g *Tables) SchemaAndTableName(id int64) (string, string, bool) {
	info, ok := g.Infos[id]
	if !ok {
		return "", "", false
	}
	return g.Schemas[id], info.Name.O, true
}

// CanAppendDefaultValue is always false: rows must be complete.
func (g *Tables) CanAppendDefaultValue(int64, int64) bool { return false }

// TableBySchemaVersion ignores the version.
func (g *Tables) TableBySchemaVersion(id, _ int64) (*model.TableInfo, bool) { return g.TableByID(id) }
