package translator

import (
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// TableInfoGetter gives the translators the table infos of the drainer's
// schema (drainer/schema.Schema implements it).
type TableInfoGetter interface {
	// TableByID returns the current info of a table (or partition) id.
	TableByID(id int64) (*model.TableInfo, bool)
	// SchemaAndTableName returns the names the id currently has.
	SchemaAndTableName(id int64) (schema, table string, ok bool)
	// CanAppendDefaultValue reports whether rows of the table written at
	// schemaVersion may lack columns (the table is dropping a column, or a
	// DDL on it came after schemaVersion).
	CanAppendDefaultValue(id, schemaVersion int64) bool
	// TableBySchemaVersion returns the info the table had at schemaVersion.
	TableBySchemaVersion(id, schemaVersion int64) (*model.TableInfo, bool)
}

// Sentinel errors; match them with errors.Is.
var (
	// ErrTableNotFound means the getter knows no table for a mutation's id.
	ErrTableNotFound = errors.New("translator: table not found")
	// ErrCorruptedRow means a row does not decode into the table's columns.
	ErrCorruptedRow = errors.New("translator: corrupted row")
	// ErrBadMutation means a mutation's sequence does not match its rows.
	ErrBadMutation = errors.New("translator: bad table mutation")
)

// RowError is a row that could not be decoded. It names the table, the kind
// and position of the row in its mutation and, when known, the column.
type RowError struct {
	TableID  int64
	Table    string // schema.table when known
	Kind     string // "insert", "update" or "delete"
	Index    int    // position of the row in the mutation's sequence
	ColumnID int64  // 0 when the error is not about one column
	Column   string // the column name, when known
	Err      error
}

func (e *RowError) Error() string {
	s := fmt.Sprintf("translator: table %d", e.TableID)
	if e.Table != "" {
		s += " (" + e.Table + ")"
	}
	s += fmt.Sprintf(" %s row %d", e.Kind, e.Index)
	if e.ColumnID != 0 || e.Column != "" {
		s += fmt.Sprintf(" column %d", e.ColumnID)
		if e.Column != "" {
			s += " (" + e.Column + ")"
		}
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *RowError) Unwrap() error { return e.Err }

// columnError is a decoding error about one column, turned into a RowError by
// the caller that knows the row.
type columnError struct {
	id   int64
	name string
	err  error
}

func (e *columnError) Error() string {
	return fmt.Sprintf("column %d (%s): %v", e.id, e.name, e.err)
}

func (e *columnError) Unwrap() error { return e.err }

func colErr(col *model.ColumnInfo, id int64, err error) error {
	ce := &columnError{id: id, err: err}
	if col != nil {
		ce.id, ce.name = col.ID, col.Name.O
	}
	return ce
}
