package loader

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// Sentinel errors.
var (
	ErrInvalidOptions = errors.New("loader: invalid options")
	ErrTableNotFound  = errors.New("loader: downstream table not found")
	ErrClosed         = errors.New("loader: closed")
	ErrRunTwice       = errors.New("loader: Run called twice")
)

// ApplyError is a permanent failure to apply a transaction: it names the
// table, the operation and the commit ts (no row values, which may be
// sensitive).
type ApplyError struct {
	// Table is the quoted `db`.`table` ("" for a DDL without one).
	Table string
	// Op is "insert", "update", "delete", "ddl" or "apply".
	Op string
	// CommitTS is the commit ts of the transaction (0 if not known).
	CommitTS int64
	Err      error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("loader: %s on %s (commit ts %d): %s", e.Op, e.Table, e.CommitTS, redact(e.Err))
}

// valueInMessage matches the row values MySQL quotes in some messages
// ("Duplicate entry '42-x' for key", "Incorrect integer value: 'abc'").
var valueInMessage = regexp.MustCompile(`(?i)(entry|value:?) '(?:[^'\\]|\\.)*'`)

// redact drops row values from an error message.
func redact(err error) string {
	if err == nil {
		return "<nil>"
	}
	return valueInMessage.ReplaceAllString(err.Error(), "$1 '?'")
}

func (e *ApplyError) Unwrap() error { return e.Err }

// errClass is what to do with an error from the downstream.
type errClass int

const (
	// classPermanent stops the loader.
	classPermanent errClass = iota
	// classRetry retries the same work after a backoff.
	classRetry
	// classUnknownColumn refreshes table info (partial-column mode) and retries.
	classUnknownColumn
)

// MySQL error numbers the loader acts on.
const (
	erDupEntry           = 1062
	erBadFieldError      = 1054
	erLockWaitTimeout    = 1205
	erLockDeadlock       = 1213
	erOptionPreventsStmt = 1290 // --read-only
	erReadOnlyMode       = 1836
	erReadOnlyTxn        = 1792
	erServerShutdown     = 1053
	erQueryInterrupted   = 1317
	erConnKilled         = 1927 // MariaDB ER_CONNECTION_KILLED
	erTooManyConns       = 1040
	erConCount           = 1203
	erNetReadInterrupted = 1159
	erNetWriteInterrupt  = 1161
	erNetReadError       = 1158
	erNetErrorOnWrite    = 1160
	erLockTableFull      = 1206
	erTiDBWriteConflict  = 9007
	erTiDBRetryable      = 8002
	erTiDBTxnTooLarge    = 8004
	erTiDBServerBusy     = 9003
	erTiDBRegionUnavail  = 9005
	erTiDBTiKVBusy       = 9004
	erTiDBInfoSchemaChg  = 8028
	erTiDBWriteConflict2 = 8022
)

var retryableNumbers = map[uint16]bool{
	erLockWaitTimeout: true, erLockDeadlock: true, erOptionPreventsStmt: true, erReadOnlyMode: true,
	erReadOnlyTxn: true, erServerShutdown: true, erQueryInterrupted: true, erConnKilled: true,
	erTooManyConns: true, erConCount: true, erNetReadInterrupted: true, erNetWriteInterrupt: true,
	erNetReadError: true, erNetErrorOnWrite: true, erLockTableFull: true, erTiDBWriteConflict: true,
	erTiDBRetryable: true, erTiDBServerBusy: true, erTiDBRegionUnavail: true, erTiDBTiKVBusy: true,
	erTiDBInfoSchemaChg: true, erTiDBWriteConflict2: true,
}

// classify decides whether err is worth retrying. MySQL errors are
// permanent unless known to be transient; errors below the protocol (a
// broken connection, a timeout) are retried on a fresh connection.
func classify(err error) errClass {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case retryableNumbers[me.Number]:
			return classRetry
		case me.Number == erBadFieldError:
			return classUnknownColumn
		}
		return classPermanent
	}
	if errors.Is(err, context.Canceled) {
		return classPermanent
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) {
		return classRetry
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return classRetry
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return classRetry
	}
	if errors.Is(err, mysql.ErrBusyBuffer) || errors.Is(err, mysql.ErrPktSync) || errors.Is(err, mysql.ErrPktSyncMul) {
		return classRetry
	}
	return classPermanent
}

// ignorableDDLErrors are the MySQL codes a DDL may fail with when its effect
// is already there (exists / does not exist, can't drop, duplicate key).
var ignorableDDLErrors = map[uint16]bool{
	1007: true, 1008: true, 1049: true, 1050: true, 1051: true, 1146: true, 1054: true,
	1060: true, 1061: true, 1831: true, 1091: true, 1176: true,
}

func isIgnorableDDLError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && ignorableDDLErrors[me.Number]
}
