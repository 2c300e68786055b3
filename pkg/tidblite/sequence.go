package tidblite

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Sequences: CREATE SEQUENCE and DROP SEQUENCE are schema-only jobs with
// the sequence's TableInfo (ddl_meta.go); NEXTVAL, NEXT VALUE FOR, SETVAL
// and LASTVAL run here. As in TiDB, a sequence hands out values from a
// cached range; each time the range moves (a new range for NEXTVAL, or a
// SETVAL beyond it) the new upper bound is written as a mock DDL binlog
// `select setval(`db`.`seq`, N)` with a fresh ID as its job ID, which the
// drainer skips. Values are per instance and not persisted.

// sequenceInfo is TiDB's SequenceInfo JSON.
type sequenceInfo struct {
	Start      int64  `json:"sequence_start"`
	Cache      bool   `json:"sequence_cache"`
	Cycle      bool   `json:"sequence_cycle"`
	MinValue   int64  `json:"sequence_min_value"`
	MaxValue   int64  `json:"sequence_max_value"`
	Increment  int64  `json:"sequence_increment"`
	CacheValue int64  `json:"sequence_cache_value"`
	Comment    string `json:"sequence_comment"`
}

// TiDB's defaults of CREATE SEQUENCE.
const (
	defSeqCache = 1000
	defSeqMax   = math.MaxInt64 - 1
)

var reSeqOption = regexp.MustCompile(`(?i)\b(start|increment|cache|minvalue|maxvalue)\s*(?:with|by|=)?\s*(-?\d+)|\b(nocache|cycle|nocycle)\b`)

// parseSequenceOptions reads the options of CREATE SEQUENCE.
func parseSequenceOptions(opts string) sequenceInfo {
	si := sequenceInfo{Start: 1, Cache: true, MinValue: 1, MaxValue: defSeqMax, Increment: 1, CacheValue: defSeqCache}
	for _, m := range reSeqOption.FindAllStringSubmatch(opts, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		switch strings.ToLower(m[1] + m[3]) {
		case "start":
			si.Start = n
		case "increment":
			si.Increment = n
		case "cache":
			si.CacheValue = n
		case "minvalue":
			si.MinValue = n
		case "maxvalue":
			si.MaxValue = n
		case "nocache":
			si.Cache, si.CacheValue = false, 1
		case "cycle":
			si.Cycle = true
		}
	}
	if si.Increment == 0 {
		si.Increment = 1
	}
	return si
}

// sequenceTableInfo is the TableInfo of a new sequence.
func sequenceTableInfo(id int64, name string, si sequenceInfo, updateTS uint64) (*model.TableInfo, error) {
	raw, err := json.Marshal(si)
	if err != nil {
		return nil, fmt.Errorf("marshal sequence info: %w", err)
	}
	return &model.TableInfo{ID: id, Name: model.NewCIStr(name), Charset: model.CharsetUTF8MB4, Collate: "utf8mb4_bin",
		State: model.StatePublic, Sequence: raw, UpdateTS: updateTS, Version: 5}, nil
}

// seqState is the cached range of a sequence on this instance.
type seqState struct {
	next, end int64 // next value; the last value of the cached range
	last      *int64
}

// sequences holds the cached ranges, by sequence (table) ID.
type sequences struct {
	mu sync.Mutex
	m  map[int64]*seqState
}

var (
	reNextVal = regexp.MustCompile(`(?is)^\s*select\s+(?:nextval\s*\(\s*(?:` + ident + `\s*\.\s*)?` + ident +
		`\s*\)|next\s+value\s+for\s+(?:` + ident + `\s*\.\s*)?` + ident + `)\s*;?\s*$`)
	reLastVal = regexp.MustCompile(`(?is)^\s*select\s+lastval\s*\(\s*(?:` + ident + `\s*\.\s*)?` + ident + `\s*\)\s*;?\s*$`)
	reSetVal  = regexp.MustCompile(`(?is)^\s*select\s+setval\s*\(\s*(?:` + ident + `\s*\.\s*)?` + ident +
		`\s*,\s*(-?\d+)\s*\)\s*;?\s*$`)
)

// seqCall is a sequence function statement.
type seqCall struct {
	fn       string // nextval, lastval, setval
	db, name string
	value    int64 // setval
}

func classifySeqCall(query string) (seqCall, bool) {
	if m := reNextVal.FindStringSubmatch(query); m != nil {
		if c := (seqCall{fn: "nextval", db: identAt(m, 1), name: identAt(m, 3)}); c.name != "" {
			return c, true
		}
		return seqCall{fn: "nextval", db: identAt(m, 5), name: identAt(m, 7)}, true
	}
	if m := reLastVal.FindStringSubmatch(query); m != nil {
		return seqCall{fn: "lastval", db: identAt(m, 1), name: identAt(m, 3)}, true
	}
	if m := reSetVal.FindStringSubmatch(query); m != nil {
		v, err := strconv.ParseInt(m[5], 10, 64)
		if err != nil {
			return seqCall{}, false
		}
		return seqCall{fn: "setval", db: identAt(m, 1), name: identAt(m, 3), value: v}, true
	}
	return seqCall{}, false
}

// sequenceStmt runs NEXTVAL, LASTVAL or SETVAL.
func (s *Server) sequenceStmt(ctx context.Context, cs *connState, c seqCall, query string, cb resultFn) error {
	s.syncSchema(ctx)
	db := c.db
	if db == "" {
		db = s.currentDB(cs)
	}
	s.catMu.RLock()
	dbi, ti := s.cat.table(db, c.name)
	s.catMu.RUnlock()
	if ti == nil || len(ti.Sequence) == 0 {
		return mysql.NewSQLError(mysql.ERNoSuchTable, mysql.SSUnknownSQLState, "Table '%s.%s' doesn't exist", db, c.name)
	}
	var si sequenceInfo
	if err := json.Unmarshal(ti.Sequence, &si); err != nil {
		return fmt.Errorf("decode sequence info of %s: %w", c.name, err)
	}
	v, bound, err := s.seqs.call(ti.ID, si, c)
	if err != nil {
		return err
	}
	if bound != nil {
		if err := s.writeSetvalBinlog(ctx, dbi, ti, *bound); err != nil {
			return err
		}
	}
	r := &sqltypes.Result{Fields: []*querypb.Field{intField(seqColumnName(query))}}
	if v == nil {
		r.Rows = [][]sqltypes.Value{{sqltypes.NULL}}
	} else {
		r.Rows = [][]sqltypes.Value{{sqltypes.NewInt64(*v)}}
	}
	return cb(r, false)
}

var reSelectPrefix = regexp.MustCompile(`(?is)^\s*select\s+(.*?)\s*;?\s*$`)

// seqColumnName is the result column's name: the selected expression.
func seqColumnName(query string) string {
	if m := reSelectPrefix.FindStringSubmatch(query); m != nil {
		return m[1]
	}
	return query
}

// call applies a sequence function; bound is the new upper bound to write
// as a setval binlog, if the cached range moved.
func (q *sequences) call(id int64, si sequenceInfo, c seqCall) (v, bound *int64, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.m[id]
	if st == nil {
		st = &seqState{next: si.Start, end: si.Start - si.Increment}
		q.m[id] = st
	}
	switch c.fn {
	case "lastval":
		return st.last, nil, nil
	case "setval":
		if c.value < st.next {
			return nil, nil, nil // TiDB returns NULL for a value not ahead of the sequence
		}
		st.next = c.value + si.Increment
		val := c.value
		if c.value > st.end {
			st.end = c.value
			return &val, &val, nil
		}
		return &val, nil, nil
	}
	if st.next > si.MaxValue {
		return nil, nil, mysql.NewSQLError(4135, mysql.SSUnknownSQLState, "Sequence '%s.%s' has run out", c.db, c.name)
	}
	if st.next > st.end {
		st.end = min(st.next+(max(si.CacheValue, 1)-1)*si.Increment, si.MaxValue)
		end := st.end
		bound = &end
	}
	val := st.next
	st.next += si.Increment
	st.last = &val
	return &val, bound, nil
}

// forget drops a sequence's cached range (dropped).
func (q *sequences) forget(id int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.m, id)
}

// writeSetvalBinlog writes TiDB's mock DDL binlog of a sequence's new upper
// bound: a prewrite with a fresh global ID as job ID and the query
// `select setval(`db`.`seq`, N)`, then its commit.
func (s *Server) writeSetvalBinlog(ctx context.Context, db *model.DBInfo, ti *model.TableInfo, bound int64) error {
	if !s.binlogOn() {
		return nil
	}
	mockID, err := s.meta.alloc(ctx, counterGlobalID, 1)
	if err != nil {
		return fmt.Errorf("allocate mock job id: %w", err)
	}
	startTS, err := s.tso.TSO(ctx)
	if err != nil {
		return fmt.Errorf("get start ts: %w", err)
	}
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	p.PrewriteKey = codec.MetaTableKey(db.ID, ti.ID)
	p.DdlJobId = proto.Int64(mockID)
	p.DdlQuery = fmt.Appendf(nil, "select setval(%s, %d)", qualified(db.Name.O, ti.Name.O), bound)
	p.DdlSchemaState = proto.Int32(int32(model.StatePublic))
	nop := func() error { return nil }
	return s.twoPhase(ctx, p, func(int64) error { return nil }, nop, func() {})
}
