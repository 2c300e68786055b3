package tidblite

import (
	"errors"
	"regexp"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	_ "github.com/dolthub/go-mysql-server/sql/variables" // fills sql.SystemVariables before init below
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// TiDB's own session variables that clients of TiDB set: the drainer's
// loader sets the first three on a TiDB downstream (and skips a variable
// only on error 1193). They are accepted and kept per session; tidb-lite's
// behaviour does not depend on them (all transactions are optimistic, no
// AUTO_RANDOM, placement is metadata only).
var tidbSystemVariables = []sql.SystemVariable{
	tidbVar("allow_auto_random_explicit_insert", types.NewSystemBoolType("allow_auto_random_explicit_insert"), int8(0)),
	tidbVar("tidb_txn_mode", types.NewSystemEnumType("tidb_txn_mode", "", "pessimistic", "optimistic"), "pessimistic"),
	tidbVar("tidb_placement_mode", types.NewSystemEnumType("tidb_placement_mode", "STRICT", "IGNORE"), "STRICT"),
	tidbVar("tidb_constraint_check_in_place", types.NewSystemBoolType("tidb_constraint_check_in_place"), int8(0)),
	tidbVar("tidb_skip_utf8_check", types.NewSystemBoolType("tidb_skip_utf8_check"), int8(0)),
}

func tidbVar(name string, typ sql.SystemVariableType, def any) sql.SystemVariable {
	return &sql.MysqlSystemVariable{
		Name:    name,
		Scope:   sql.GetMysqlScope(sql.SystemVariableScope_Both),
		Dynamic: true,
		Type:    typ,
		Default: def,
	}
}

// The engine's registry of system variables is global to the process and
// read without locks by its sessions: the variables are added once, before
// any session can exist.
func init() { sql.SystemVariables.AddSystemVariables(tidbSystemVariables) }

// The engine reports an unknown system variable as error 1105; MySQL and
// TiDB answer 1193 (ER_UNKNOWN_SYSTEM_VARIABLE), which clients such as the
// loader test for.
var reUnknownSysVar = regexp.MustCompile(`^Unknown system variable '(?:@@)?(?:(?i:session|global|local)\.)?([^']*)'`)

// In `SET x = v` without a scope the engine first looks for a column x and
// reports that one as missing.
var reSetColumnNotFound = regexp.MustCompile(`^column "([^"]*)" could not be found in any table in scope`)

// mysqlCompatError gives engine errors MySQL's codes where the engine has
// only its generic one.
func mysqlCompatError(st classified, err error) error {
	var se *mysql.SQLError
	if err == nil || !errors.As(err, &se) || se.Num != mysql.ERUnknownError {
		return err
	}
	m := reUnknownSysVar.FindStringSubmatch(se.Message)
	if _, isSet := st.parsed.(*sqlparser.Set); m == nil && isSet {
		m = reSetColumnNotFound.FindStringSubmatch(se.Message)
	}
	if m != nil {
		return mysql.NewSQLError(mysql.ERUnknownSystemVariable, mysql.SSUnknownSQLState, "Unknown system variable '%s'", m[1])
	}
	return err
}
