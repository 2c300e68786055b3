package tidblite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// fakePumps records binlogs; failPrewrite makes prewrite writes fail.
type fakePumps struct {
	mu           sync.Mutex
	binlogs      []*binlogpb.Binlog
	failPrewrite bool
}

var _ binlogWriter = (*fakePumps)(nil)

var errPumpDown = errors.New("write binlog failed, the last error pumpclient: no available pump to write binlog")

func (f *fakePumps) WriteBinlog(b *binlogpb.Binlog) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failPrewrite && b.GetTp() == binlogpb.BinlogType_Prewrite {
		return errPumpDown
	}
	f.binlogs = append(f.binlogs, proto.Clone(b).(*binlogpb.Binlog))
	return nil
}

func (f *fakePumps) setFail(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failPrewrite = v
}

func (f *fakePumps) all() []*binlogpb.Binlog {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*binlogpb.Binlog(nil), f.binlogs...)
}

// waitPairs waits until every prewrite has its commit or rollback and
// returns the binlogs.
func (f *fakePumps) waitPairs(t *testing.T, n int) []*binlogpb.Binlog {
	t.Helper()
	require.Eventually(t, func() bool { return len(f.all()) >= 2*n }, waitFor, tick)
	bs := f.all()
	require.Len(t, bs, 2*n)
	return bs
}

// prewrites returns the prewrite binlogs in write order (commit binlogs are
// written in the background, so only prewrites have a fixed order).
func prewrites(bs []*binlogpb.Binlog) []*binlogpb.Binlog {
	var out []*binlogpb.Binlog
	for _, b := range bs {
		if b.GetTp() == binlogpb.BinlogType_Prewrite {
			out = append(out, b)
		}
	}
	return out
}

// finish returns the commit or rollback binlog of a prewrite.
func finish(t *testing.T, bs []*binlogpb.Binlog, p *binlogpb.Binlog) *binlogpb.Binlog {
	t.Helper()
	for _, b := range bs {
		if b.GetTp() != binlogpb.BinlogType_Prewrite && b.GetStartTs() == p.GetStartTs() {
			return b
		}
	}
	t.Fatalf("no commit or rollback of %d", p.GetStartTs())
	return nil
}

// startWithFakePumps starts a standalone server writing binlogs to a fake.
func startWithFakePumps(t *testing.T, change ...func(*Config)) (*Server, *fakePumps) {
	t.Helper()
	s := startStandalone(t, change...)
	f := &fakePumps{}
	s.binlog = f
	return s, f
}

func pvOf(t *testing.T, b *binlogpb.Binlog) *binlogpb.PrewriteValue {
	t.Helper()
	pv := &binlogpb.PrewriteValue{}
	require.NoError(t, proto.Unmarshal(b.GetPrewriteValue(), pv))
	return pv
}

func TestBinlogProtocol(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE bp", "USE bp", "CREATE TABLE t (id int PRIMARY KEY, v int)")
	bs := f.waitPairs(t, 2)
	create := lastJob(t, s)
	require.Equal(t, model.ActionCreateTable, create.Type)
	p := prewrites(bs)[1]
	c := finish(t, bs, p)
	require.Equal(t, binlogpb.BinlogType_Prewrite, p.GetTp())
	require.Equal(t, create.ID, p.GetDdlJobId())
	require.Equal(t, "CREATE TABLE t (id int PRIMARY KEY, v int);", string(p.GetDdlQuery()))
	require.EqualValues(t, model.StatePublic, p.GetDdlSchemaState())
	require.Equal(t, uint64(p.GetStartTs()), create.RealStartTS)
	require.Equal(t, binlogpb.BinlogType_Commit, c.GetTp())
	require.Equal(t, p.GetStartTs(), c.GetStartTs())
	require.Greater(t, c.GetCommitTs(), c.GetStartTs())
	require.Equal(t, p.GetPrewriteKey(), c.GetPrewriteKey())
	require.Equal(t, p.GetDdlJobId(), c.GetDdlJobId())
	require.Empty(t, c.GetPrewriteValue())

	mustExec(t, db, "INSERT INTO t VALUES (1, 10)")
	bs = f.waitPairs(t, 3)
	p = prewrites(bs)[2]
	c = finish(t, bs, p)
	require.Zero(t, p.GetDdlJobId())
	pv := pvOf(t, p)
	require.Equal(t, create.SchemaVersion(), pv.GetSchemaVersion())
	require.Len(t, pv.GetMutations(), 1)
	require.Equal(t, create.TableID, pv.GetMutations()[0].GetTableId())
	require.Equal(t, "7480000000000000"+hex.EncodeToString([]byte{byte(create.TableID)})+"5f728000000000000001", hex.EncodeToString(p.GetPrewriteKey()))
	require.Equal(t, binlogpb.BinlogType_Commit, c.GetTp())
	require.Greater(t, c.GetCommitTs(), p.GetStartTs())

	// The row's primary key is committed in the MVCC view.
	code, body := httpGet(t, s.StatusURL()+"/mvcc/hex/"+hex.EncodeToString(p.GetPrewriteKey()))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"commit_ts": `)

	// DROP COLUMN writes two DDL binlogs: delete-only, then none.
	mustExec(t, db, "ALTER TABLE t DROP COLUMN v")
	ps := prewrites(f.waitPairs(t, 5))
	require.EqualValues(t, model.StateDeleteOnly, ps[3].GetDdlSchemaState())
	require.EqualValues(t, model.StateNone, ps[4].GetDdlSchemaState())
	require.Equal(t, ps[3].GetDdlJobId(), ps[4].GetDdlJobId())
}

func TestExplicitTxnAndImplicitCommit(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE ex", "USE ex", "CREATE TABLE t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)
	mustExec(t, db, "BEGIN", "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (2)", "CREATE TABLE u (id int)")
	ps := prewrites(f.waitPairs(t, 4))
	require.Zero(t, ps[2].GetDdlJobId(), "the open transaction commits before the DDL")
	require.Len(t, pvOf(t, ps[2]).GetMutations()[0].GetInsertedRows(), 2)
	require.NotZero(t, ps[3].GetDdlJobId())

	mustExec(t, db, "SET autocommit = 0", "INSERT INTO t VALUES (3)", "INSERT INTO t VALUES (4)", "COMMIT", "SET autocommit = 1")
	ps = prewrites(f.waitPairs(t, 5))
	require.Len(t, pvOf(t, ps[4]).GetMutations()[0].GetInsertedRows(), 2)

	mustExec(t, db, "BEGIN", "INSERT INTO t VALUES (5)", "ROLLBACK", "SELECT 1", "INSERT INTO t VALUES (6)")
	ps = prewrites(f.waitPairs(t, 6)) // the rolled back transaction wrote nothing
	require.Len(t, pvOf(t, ps[5]).GetMutations()[0].GetInsertedRows(), 1)
}

func TestFailedPrewriteFailsCommit(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE fp", "USE fp", "CREATE TABLE t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)
	f.setFail(true)
	_, err := db.Exec("INSERT INTO t VALUES (1)")
	require.ErrorContains(t, err, "critical error write binlog failed")
	mustExec(t, db, "BEGIN", "INSERT INTO t VALUES (2)")
	_, err = db.Exec("COMMIT")
	require.ErrorContains(t, err, "critical error")
	f.setFail(false)
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n))
	require.Zero(t, n, "nothing committed")
	require.Len(t, f.all(), 4)
	require.Equal(t, "On", s.binlogStatus())
}

func TestIgnoreErrorSkipsBinlog(t *testing.T) {
	s, f := startWithFakePumps(t, func(c *Config) { c.BinlogIgnoreError = true })
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE ie", "USE ie", "CREATE TABLE t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)
	f.setFail(true)
	mustExec(t, db, "INSERT INTO t VALUES (1)")
	require.Equal(t, "Skipping", s.binlogStatus())
	f.setFail(false)
	mustExec(t, db, "INSERT INTO t VALUES (2)")
	require.Len(t, f.all(), 4, "binlog stays off after a failure")
	code, _ := httpPost(t, s.StatusURL()+"/binlog/recover")
	require.Equal(t, http.StatusOK, code)
	mustExec(t, db, "INSERT INTO t VALUES (3)")
	f.waitPairs(t, 3)
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n))
	require.Equal(t, 3, n)
}

func TestFailedCommitWritesRollback(t *testing.T) {
	s, f := startWithFakePumps(t)
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 100, 0)
	p.PrewriteKey, p.PrewriteValue = []byte("pk"), []byte{1}
	undone := false
	err := s.twoPhase(context.Background(), p, func(int64) error { return errors.New("engine said no") },
		func() error { return nil }, func() { undone = true })
	require.ErrorContains(t, err, "engine said no")
	require.True(t, undone)
	bs := f.waitPairs(t, 1)
	r := bs[1]
	require.Equal(t, binlogpb.BinlogType_Rollback, r.GetTp())
	require.Zero(t, r.GetCommitTs())
	require.EqualValues(t, 100, r.GetStartTs())
	require.Equal(t, []byte("pk"), r.GetPrewriteKey())
	require.Empty(t, r.GetPrewriteValue())
	info := s.mvcc.info([]byte("pk"))
	require.EqualValues(t, 3, info.Writes[0].Type)
}

func TestCrashSwitch(t *testing.T) {
	s, f := startWithFakePumps(t, func(c *Config) { c.LockTTL = time.Hour })
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE cs", "USE cs", "CREATE TABLE t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)

	require.NoError(t, s.SetCrashNextTxn(CrashBeforeCommit))
	_, err := db.Exec("INSERT INTO t VALUES (1)")
	require.ErrorContains(t, err, ErrInjectedCrash.Error())
	require.Len(t, f.all(), 5, "a prewrite without commit")
	crashed := prewrites(f.all())[2]
	info := s.mvcc.info(crashed.GetPrewriteKey())
	require.NotNil(t, info.Lock, "the lock stays")
	require.EqualValues(t, crashed.GetStartTs(), info.Lock.StartTs)

	require.NoError(t, s.SetCrashNextTxn(CrashAfterCommit))
	mustExec(t, db, "INSERT INTO t VALUES (2)")
	require.Len(t, f.all(), 6, "no commit binlog")
	p := prewrites(f.all())[3]
	info = s.mvcc.info(p.GetPrewriteKey())
	require.Len(t, info.Writes, 1)
	require.EqualValues(t, p.GetStartTs(), info.Writes[0].StartTs)
	require.Greater(t, info.Writes[0].CommitTs, info.Writes[0].StartTs)

	var ids []int
	rows, err := db.Query("SELECT id FROM t")
	require.NoError(t, err)
	for rows.Next() {
		var id int
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []int{2}, ids)
	require.Equal(t, CrashNone, s.crashArmed())
}

func TestClosedConnectionAbandonsTxn(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE cl", "CREATE TABLE cl.t (id int PRIMARY KEY)")
	ctx := context.Background()
	holder, err := db.Conn(ctx)
	require.NoError(t, err)
	_, err = holder.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = holder.ExecContext(ctx, "INSERT INTO cl.t VALUES (1)")
	require.NoError(t, err)
	require.NoError(t, holder.Raw(func(c any) error { return c.(io.Closer).Close() })) // drop the connection
	_ = holder.Close()
	mustExec(t, db, "INSERT INTO cl.t VALUES (2)")
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM cl.t").Scan(&n))
	require.Equal(t, 1, n, "the abandoned transaction rolled back")
}

func TestMultiStatements(t *testing.T) {
	s, f := startWithFakePumps(t)
	conn, err := sql.Open("mysql", "root@tcp("+s.Addr()+")/?multiStatements=true")
	require.NoError(t, err)
	defer conn.Close()
	mustExec(t, conn, "CREATE DATABASE ms; CREATE TABLE ms.t (id int PRIMARY KEY); INSERT INTO ms.t VALUES (1); INSERT INTO ms.t VALUES (2)")
	ps := prewrites(f.waitPairs(t, 4))
	require.NotZero(t, ps[1].GetDdlJobId())
	require.Len(t, pvOf(t, ps[3]).GetMutations()[0].GetInsertedRows(), 1)
}
