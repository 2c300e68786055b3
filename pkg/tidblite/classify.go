package tidblite

import (
	"regexp"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// stmtKind is how the handler treats a statement.
type stmtKind int

const (
	stmtWrite    stmtKind = iota // may change rows: runs in a transaction
	stmtRead                     // cannot change rows
	stmtBegin                    // BEGIN, START TRANSACTION
	stmtCommit                   // COMMIT
	stmtRollback                 // ROLLBACK
	stmtDDL                      // schema change: a DDL job
	stmtMetaDDL                  // schema-only change the engine does not see (ddl_meta.go)
	stmtSequence                 // NEXTVAL, LASTVAL, SETVAL (sequence.go)
	stmtCustom                   // TiDB-only statement answered by tidb-lite
)

// customKind is a TiDB-only statement.
type customKind int

const (
	customShowPump customKind = iota
	customShowDrainer
	customChangePump
	customChangeDrainer
	customShowMaster
)

// classified is a statement with its kind and parse tree.
type classified struct {
	kind   stmtKind
	parsed sqlparser.Statement

	custom        customKind
	meta          metaDDL // stmtMetaDDL
	seq           seqCall // stmtSequence
	state, nodeID string  // CHANGE PUMP|DRAINER
}

var (
	reShowNodes  = regexp.MustCompile(`(?is)^\s*show\s+(pump|drainer)\s+status\s*;?\s*$`)
	reShowMaster = regexp.MustCompile(`(?is)^\s*show\s+master\s+status\s*;?\s*$`)
	reBeginMode  = regexp.MustCompile(`(?is)^\s*begin\s+(optimistic|pessimistic)\s*;?\s*$`)
	reChangeNode = regexp.MustCompile(`(?is)^\s*change\s+(pump|drainer)\s+to\s+node_state\s*=?\s*(?:'([^']*)'|"([^"]*)")\s+for\s+node_id\s+(?:'([^']*)'|"([^"]*)")\s*;?\s*$`)
)

// classify tells what a statement is. Statements the parser rejects are
// treated as writes; the engine reports the error.
func classify(query string) classified {
	if c, ok := classifyCustom(query); ok {
		return c
	}
	st, err := sqlparser.Parse(query)
	if err != nil {
		return classified{kind: stmtWrite}
	}
	c := classified{parsed: st}
	switch st.(type) {
	case *sqlparser.Begin:
		c.kind = stmtBegin
	case *sqlparser.Commit:
		c.kind = stmtCommit
	case *sqlparser.Rollback:
		c.kind = stmtRollback
	case *sqlparser.DDL, *sqlparser.DBDDL, *sqlparser.AlterTable:
		c.kind = stmtDDL
	case *sqlparser.Select, *sqlparser.SetOp, *sqlparser.ParenSelect, *sqlparser.Show, *sqlparser.Set,
		*sqlparser.Use, *sqlparser.Explain, *sqlparser.OtherRead, *sqlparser.Analyze:
		c.kind = stmtRead
	default:
		c.kind = stmtWrite
	}
	return c
}

func classifyCustom(query string) (classified, bool) {
	if m := reShowNodes.FindStringSubmatch(query); m != nil {
		k := customShowPump
		if strings.EqualFold(m[1], "drainer") {
			k = customShowDrainer
		}
		return classified{kind: stmtCustom, custom: k}, true
	}
	if c, ok := classifySeqCall(query); ok {
		return classified{kind: stmtSequence, seq: c}, true
	}
	if m, ok := classifyMetaDDL(query); ok {
		return classified{kind: stmtMetaDDL, meta: m}, true
	}
	if reBeginMode.MatchString(query) { // TiDB's BEGIN OPTIMISTIC|PESSIMISTIC: all are optimistic here
		return classified{kind: stmtBegin}, true
	}
	if reShowMaster.MatchString(query) {
		return classified{kind: stmtCustom, custom: customShowMaster}, true
	}
	if m := reChangeNode.FindStringSubmatch(query); m != nil {
		k := customChangePump
		if strings.EqualFold(m[1], "drainer") {
			k = customChangeDrainer
		}
		return classified{kind: stmtCustom, custom: k, state: m[2] + m[3], nodeID: m[4] + m[5]}, true
	}
	return classified{}, false
}

// schemaAsDatabase returns the CREATE or DROP DATABASE statement equal to
// a CREATE or DROP SCHEMA. In MySQL and TiDB they are synonyms; the
// engine's CREATE SCHEMA makes a schema inside the current database
// (PostgreSQL's meaning) and fails without one. The job keeps the original
// query, as TiDB's does.
func schemaAsDatabase(st classified) (string, bool) {
	d, ok := st.parsed.(*sqlparser.DBDDL)
	if !ok || !strings.EqualFold(d.SchemaOrDatabase, "schema") {
		return "", false
	}
	var b strings.Builder
	switch strings.ToLower(d.Action) {
	case sqlparser.CreateStr:
		b.WriteString("CREATE DATABASE ")
		if d.IfNotExists {
			b.WriteString("IF NOT EXISTS ")
		}
		b.WriteString(quoteName(d.DBName))
		for _, cc := range d.CharsetCollate {
			b.WriteString(" " + cc.Type + " " + cc.Value)
		}
	case sqlparser.DropStr:
		b.WriteString("DROP DATABASE ")
		if d.IfExists {
			b.WriteString("IF EXISTS ")
		}
		b.WriteString(quoteName(d.DBName))
	default:
		return "", false
	}
	return b.String(), true
}
