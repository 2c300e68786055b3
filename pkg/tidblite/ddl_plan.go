package tidblite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// ErrUnsupportedDDL is returned for schema changes tidb-lite does not turn
// into DDL jobs (views, triggers, multi-schema changes, ...).
var ErrUnsupportedDDL = errors.New("tidblite: unsupported DDL")

// ddlPlan is one DDL job to run: what the statement means for TiDB's
// schema, resolved against the catalog.
type ddlPlan struct {
	action model.ActionType
	query  string // the job's query, also what the engine runs

	dbName    string // target database
	db        *model.DBInfo
	tableName string // target table (old name for a rename)
	table     *model.TableInfo

	newDB        *model.DBInfo // rename target
	newTableName string
	engineQuery  string // what the engine runs instead of query, in dbName

	objID   int64             // policy or resource group being altered or dropped
	seqOpts string            // CREATE SEQUENCE options
	renamed map[string]string // CHANGE/RENAME COLUMN: new -> old (lower)
	added   map[string]bool   // ADD COLUMN (lower)

	part      *partSpec // CREATE TABLE ... PARTITION BY; ADD PARTITION: the new partitions
	partNames []string  // DROP|TRUNCATE PARTITION, PARTITION p ATTRIBUTES (lower)
	recover   *recycled // RECOVER|FLASHBACK TABLE: the dropped table
}

// Schema version steps and final schema states of each action, as TiDB v7
// moves through its online schema change states.
var actionSteps = map[model.ActionType]int64{
	model.ActionCreateSchema: 1, model.ActionDropSchema: 3,
	model.ActionCreateTable: 1, model.ActionDropTable: 3, model.ActionTruncateTable: 1,
	model.ActionRenameTable: 1, model.ActionAddColumn: 4, model.ActionDropColumn: 4,
	model.ActionModifyColumn: 1, model.ActionSetDefaultValue: 1,
	model.ActionAddIndex: 6, model.ActionDropIndex: 4,
	model.ActionAlterCacheTable: 1, model.ActionAlterNoCacheTable: 1, model.ActionAlterTableAttributes: 1,
	model.ActionCreatePlacementPolicy: 1, model.ActionAlterPlacementPolicy: 1, model.ActionDropPlacementPolicy: 1,
	model.ActionCreateResourceGroup: 1, model.ActionAlterResourceGroup: 1, model.ActionDropResourceGroup: 1,
	model.ActionCreateSequence: 1, model.ActionDropSequence: 1,
	model.ActionAddTablePartition: 2, model.ActionDropTablePartition: 3, model.ActionTruncateTablePartition: 1,
	model.ActionAlterTablePartitionAttributes: 1, model.ActionRecoverTable: 2,
}

// finalState is the job's schema state when it is done.
func finalState(a model.ActionType) model.SchemaState {
	switch a {
	case model.ActionDropSchema, model.ActionDropTable, model.ActionDropColumn, model.ActionDropIndex,
		model.ActionDropPlacementPolicy, model.ActionDropResourceGroup, model.ActionDropSequence,
		model.ActionDropTablePartition:
		return model.StateNone
	}
	return model.StatePublic
}

// binlogStates are the ddl_schema_state values of the job's DDL binlogs:
// DROP COLUMN writes one at delete-only and one when done.
func binlogStates(a model.ActionType) []model.SchemaState {
	if a == model.ActionDropColumn {
		return []model.SchemaState{model.StateDeleteOnly, model.StateNone}
	}
	return []model.SchemaState{finalState(a)}
}

// reshapesRows reports whether the action rewrites every row.
func reshapesRows(a model.ActionType) bool {
	switch a {
	case model.ActionAddColumn, model.ActionDropColumn, model.ActionModifyColumn:
		return true
	}
	return false
}

// quoteName quotes an identifier with backquotes.
func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func qualified(db, table string) string { return quoteName(db) + "." + quoteName(table) }

// planDDL resolves a DDL statement into jobs. passthrough means the engine
// runs the statement as is and no job is written (e.g. IF EXISTS on a
// missing table, or an error the engine reports).
func planDDL(st sqlparser.Statement, query, curDB string, cat *catalog) (plans []*ddlPlan, passthrough bool, err error) {
	query = strings.TrimRight(strings.TrimSpace(query), "; \t\n")
	switch s := st.(type) {
	case *sqlparser.DBDDL:
		return planDBDDL(s, query, cat)
	case *sqlparser.DDL:
		return planTableDDL(s, query, curDB, cat)
	case *sqlparser.AlterTable:
		return planAlter(s, query, curDB, cat)
	}
	return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
}

func planDBDDL(s *sqlparser.DBDDL, query string, cat *catalog) ([]*ddlPlan, bool, error) {
	db := cat.dbByName(s.DBName)
	switch strings.ToLower(s.Action) {
	case sqlparser.CreateStr:
		if db != nil {
			return nil, true, nil
		}
		return []*ddlPlan{{action: model.ActionCreateSchema, query: query, dbName: s.DBName}}, false, nil
	case sqlparser.DropStr:
		if db == nil {
			return nil, true, nil
		}
		return []*ddlPlan{{action: model.ActionDropSchema, query: query, dbName: db.Name.O, db: db}}, false, nil
	}
	return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
}

// resolve finds a table named by the statement.
func resolve(tn sqlparser.TableName, curDB string, cat *catalog) (string, *model.DBInfo, *model.TableInfo) {
	dbName := tn.DbQualifier.String()
	if dbName == "" {
		dbName = curDB
	}
	db, ti := cat.table(dbName, tn.Name.String())
	return dbName, db, ti
}

func planTableDDL(s *sqlparser.DDL, query, curDB string, cat *catalog) ([]*ddlPlan, bool, error) {
	if s.ViewSpec != nil || s.TriggerSpec != nil || s.ProcedureSpec != nil || s.EventSpec != nil ||
		s.OptSelect != nil || s.Temporary || len(s.FromViews) > 0 {
		return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
	}
	switch strings.ToLower(s.Action) {
	case sqlparser.CreateStr:
		dbName, db, ti := resolve(s.Table, curDB, cat)
		if db == nil || ti != nil {
			return nil, true, nil
		}
		var spec *partSpec
		if s.TableSpec != nil {
			var err error
			if spec, err = parsePartitionOption(s.TableSpec.PartitionOpt); err != nil {
				return nil, false, fmt.Errorf("%w: %s", err, query)
			}
			if spec != nil {
				if err := spec.check(s.TableSpec); err != nil {
					return nil, false, err
				}
			}
		}
		return []*ddlPlan{{action: model.ActionCreateTable, query: query, dbName: dbName, db: db, tableName: s.Table.Name.String(),
			part: spec}}, false, nil
	case sqlparser.TruncateStr:
		dbName, db, ti := resolve(s.Table, curDB, cat)
		if ti == nil {
			return nil, true, nil
		}
		return []*ddlPlan{{action: model.ActionTruncateTable, query: query, dbName: dbName, db: db, tableName: ti.Name.O, table: ti}}, false, nil
	case sqlparser.DropStr:
		return planDrop(s, query, curDB, cat)
	case sqlparser.RenameStr:
		return planRename(s.FromTables, s.ToTables, query, curDB, cat)
	}
	return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
}

// planDrop makes one job per dropped table, as TiDB does.
func planDrop(s *sqlparser.DDL, query, curDB string, cat *catalog) ([]*ddlPlan, bool, error) {
	var plans []*ddlPlan
	for _, tn := range s.FromTables {
		dbName, db, ti := resolve(tn, curDB, cat)
		if ti == nil {
			if s.IfExists {
				continue
			}
			return nil, true, nil // the engine reports the unknown table
		}
		plans = append(plans, &ddlPlan{action: model.ActionDropTable, dbName: dbName, db: db, tableName: ti.Name.O, table: ti,
			query: "DROP TABLE " + qualified(db.Name.O, ti.Name.O)})
	}
	if len(plans) == 0 {
		return nil, true, nil
	}
	if len(plans) == 1 && len(s.FromTables) == 1 {
		plans[0].query = query
	}
	return plans, false, nil
}

// planRename makes one job per renamed table.
func planRename(from, to sqlparser.TableNames, query, curDB string, cat *catalog) ([]*ddlPlan, bool, error) {
	if len(from) != len(to) || len(from) == 0 {
		return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
	}
	var plans []*ddlPlan
	for i := range from {
		dbName, db, ti := resolve(from[i], curDB, cat)
		newDBName, newDB, exists := resolve(to[i], curDB, cat)
		if ti == nil || newDB == nil || exists != nil {
			return nil, true, nil
		}
		p := &ddlPlan{action: model.ActionRenameTable, dbName: dbName, db: db, tableName: ti.Name.O, table: ti,
			newDB: newDB, newTableName: to[i].Name.String(),
			query: "RENAME TABLE " + qualified(db.Name.O, ti.Name.O) + " TO " + qualified(newDBName, to[i].Name.String())}
		if newDB.ID == db.ID { // the engine renames only in the current database
			p.dbName, p.engineQuery = db.Name.O, "RENAME TABLE "+quoteName(ti.Name.O)+" TO "+quoteName(p.newTableName)
		}
		plans = append(plans, p)
	}
	if len(plans) == 1 {
		plans[0].query = query
	}
	return plans, false, nil
}

func planAlter(s *sqlparser.AlterTable, query, curDB string, cat *catalog) ([]*ddlPlan, bool, error) {
	if len(s.Statements) != 1 {
		return nil, false, fmt.Errorf("%w (multi-schema change): %s", ErrUnsupportedDDL, query)
	}
	dbName, db, ti := resolve(s.Table, curDB, cat)
	if ti == nil {
		return nil, true, nil
	}
	d := s.Statements[0]
	p := &ddlPlan{query: query, dbName: dbName, db: db, tableName: ti.Name.O, table: ti}
	if strings.EqualFold(d.Action, sqlparser.RenameStr) && d.ColumnAction == "" && d.IndexSpec == nil {
		if len(d.ToTables) != 1 {
			return nil, false, fmt.Errorf("%w: %s", ErrUnsupportedDDL, query)
		}
		plans, pass, err := planRename(sqlparser.TableNames{s.Table}, d.ToTables, query, curDB, cat)
		return plans, pass, err
	}
	if err := planAlterSpec(d, p); err != nil {
		return nil, false, fmt.Errorf("%w: %s", err, query)
	}
	return []*ddlPlan{p}, false, nil
}

// planAlterSpec fills the action of a single ALTER TABLE specification.
func planAlterSpec(d *sqlparser.DDL, p *ddlPlan) error {
	switch {
	case d.ColumnAction != "":
		return planColumnSpec(d, p)
	case d.IndexSpec != nil:
		switch strings.ToLower(d.IndexSpec.Action) {
		case sqlparser.CreateStr:
			if t := strings.ToLower(d.IndexSpec.Type); t == sqlparser.PrimaryStr || t == "fulltext" || t == "spatial" || t == "vector" {
				return ErrUnsupportedDDL
			}
			p.action = model.ActionAddIndex
		case sqlparser.DropStr:
			if strings.EqualFold(d.IndexSpec.ToName.String(), "primary") || strings.EqualFold(d.IndexSpec.Type, sqlparser.PrimaryStr) {
				return ErrUnsupportedDDL
			}
			p.action = model.ActionDropIndex
		default:
			return ErrUnsupportedDDL
		}
		return nil
	case d.DefaultSpec != nil:
		p.action = model.ActionSetDefaultValue
		return nil
	}
	return ErrUnsupportedDDL
}

func planColumnSpec(d *sqlparser.DDL, p *ddlPlan) error {
	newName := func() (string, error) {
		if d.TableSpec == nil || len(d.TableSpec.Columns) != 1 {
			return "", ErrUnsupportedDDL
		}
		return d.TableSpec.Columns[0].Name.String(), nil
	}
	switch strings.ToLower(d.ColumnAction) {
	case sqlparser.AddStr:
		n, err := newName()
		if err != nil {
			return err
		}
		p.action, p.added = model.ActionAddColumn, map[string]bool{strings.ToLower(n): true}
	case sqlparser.DropStr:
		p.action = model.ActionDropColumn
	case sqlparser.ModifyStr:
		p.action = model.ActionModifyColumn
	case sqlparser.ChangeStr:
		n, err := newName()
		if err != nil {
			return err
		}
		p.action = model.ActionModifyColumn
		p.renamed = map[string]string{strings.ToLower(n): d.Column.Lowered()}
	case sqlparser.RenameStr:
		p.action = model.ActionModifyColumn
		p.renamed = map[string]string{d.ToColumn.Lowered(): d.Column.Lowered()}
	default:
		return ErrUnsupportedDDL
	}
	return nil
}
