package mysql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeLoader applies DDLs unless their SQL is in fail, and confirms
// everything else with AppliedTS 7.
type fakeLoader struct {
	in   chan *loader.Txn
	out  chan *loader.Txn
	fail map[string]error
	safe []bool
}

func newFakeLoader() *fakeLoader {
	return &fakeLoader{in: make(chan *loader.Txn), out: make(chan *loader.Txn, 16), fail: map[string]error{}}
}

func (f *fakeLoader) Input() chan<- *loader.Txn     { return f.in }
func (f *fakeLoader) Successes() <-chan *loader.Txn { return f.out }
func (f *fakeLoader) SetSafeMode(on bool)           { f.safe = append(f.safe, on) }
func (f *fakeLoader) Run(ctx context.Context) error {
	defer close(f.out)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case txn, ok := <-f.in:
			if !ok {
				return nil
			}
			if txn.DDL != nil && f.fail[txn.DDL.SQL] != nil {
				return f.fail[txn.DDL.SQL]
			}
			txn.AppliedTS = 7
			f.out <- txn
		}
	}
}

type noTables struct{}

func (noTables) TableByID(int64) (*model.TableInfo, bool)                   { return nil, false }
func (noTables) SchemaAndTableName(int64) (string, string, bool)            { return "", "", false }
func (noTables) CanAppendDefaultValue(int64, int64) bool                    { return false }
func (noTables) TableBySchemaVersion(int64, int64) (*model.TableInfo, bool) { return nil, false }

func ddlItem(ts int64, query string) *sink.Item {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, ts-1, ts)
	b.DdlJobId = proto.Int64(1)
	b.DdlQuery = []byte(query)
	return &sink.Item{Binlog: b, Schema: "db", Table: "t"}
}

func TestSuccessesCarryItemsAndAppliedTS(t *testing.T) {
	fl := newFakeLoader()
	s := newSink(fl, noTables{}, nil, zap.NewNop())
	it := ddlItem(100, "create table t (a int)")
	require.NoError(t, s.Sync(it))
	select {
	case got := <-s.Successes():
		require.Same(t, it, got)
		require.Equal(t, int64(7), got.AppliedTS)
	case <-time.After(5 * time.Second):
		t.Fatal("no success")
	}
	s.SetSafeMode(true)
	require.Equal(t, []bool{true}, fl.safe)
	require.NoError(t, s.Close())
	_, open := <-s.Successes()
	require.False(t, open)
	require.ErrorIs(t, s.Sync(ddlItem(101, "x")), ErrClosed)
}

func TestRejectedDDLNamesTSStatementAndFix(t *testing.T) {
	fl := newFakeLoader()
	boom := errors.New("Error 1062: Duplicate entry")
	fl.fail["alter table t add unique index u(a)"] = boom
	s := newSink(fl, noTables{}, nil, zap.NewNop())
	require.NoError(t, s.Sync(ddlItem(200, "alter table t add unique index u(a)")))
	select {
	case err := <-s.Error():
		require.ErrorIs(t, err, boom)
		require.Contains(t, err.Error(), "commit ts 200")
		require.Contains(t, err.Error(), "alter table t add unique index u(a)")
		require.Contains(t, err.Error(), "ignore-txn-commit-ts")
	case <-time.After(5 * time.Second):
		t.Fatal("no error")
	}
	require.ErrorIs(t, s.Sync(ddlItem(201, "x")), ErrClosed)
	require.ErrorIs(t, s.Close(), boom)
}

func TestConfirmedTransactionDropsItsRows(t *testing.T) {
	fl := newFakeLoader()
	s := newSink(fl, noTables{}, nil, zap.NewNop())
	it := ddlItem(100, "x")
	txn := &loader.Txn{DMLs: []*loader.DML{{Database: "db", Table: "t", Values: map[string]any{"a": "big"}}},
		Metadata: it}
	fl.out <- txn // as the loader confirms it
	select {
	case got := <-s.Successes():
		require.Same(t, it, got)
	case <-time.After(5 * time.Second):
		t.Fatal("no success")
	}
	require.Nil(t, txn.DMLs, "the rows go with the confirmation")
	require.NoError(t, s.Close())
}
