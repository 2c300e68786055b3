package loader

// This file is the loader's public contract: the transaction types the
// drainer's MySQL sink, reparo and arbiter build, and the Loader they feed.
// Other packages code against it; change it only with all of them in mind.

// DMLType is the kind of a row change.
type DMLType int

// The row-change kinds (values as in the original loader).
const (
	UnknownDMLType DMLType = 0
	InsertDMLType  DMLType = 1
	UpdateDMLType  DMLType = 2
	DeleteDMLType  DMLType = 3
)

// String names the kind ("insert", "update", "delete").
func (t DMLType) String() string {
	switch t {
	case InsertDMLType:
		return "insert"
	case UpdateDMLType:
		return "update"
	case DeleteDMLType:
		return "delete"
	}
	return "unknown"
}

// DML is one row change. Values holds the new row (insert, update) or the
// deleted row (delete); OldValues holds the row before an update. Keys are
// column names; values are nil (NULL), int64, uint64, float32, float64,
// string or []byte, as the translators produce them.
type DML struct {
	Database  string
	Table     string
	Tp        DMLType
	Values    map[string]any
	OldValues map[string]any
}

// DDL is one schema change. SQL is run after `USE Database` (not for CREATE
// DATABASE). ShouldSkip means: do not run it, but forget cached table info.
type DDL struct {
	Database   string
	Table      string
	SQL        string
	ShouldSkip bool
}

// Txn is one upstream transaction: either a DDL or a list of DMLs.
//
// Metadata is carried through untouched and comes back on Successes (the
// drainer puts its item there). AppliedTS is filled by a `tidb` destination
// with the downstream TSO read after the transaction's batch succeeded.
type Txn struct {
	DMLs      []*DML
	DDL       *DDL
	AppliedTS int64
	Metadata  any
	// CommitTS is the upstream commit ts, used only to name the
	// transaction in errors and logs (0 if the caller does not know it).
	CommitTS int64
}

// IsDDL reports whether the transaction is a schema change.
func (t *Txn) IsDDL() bool { return t.DDL != nil }
