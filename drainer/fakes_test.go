package drainer

import (
	"context"
	"sync"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"google.golang.org/protobuf/proto"
)

// fakeSchema knows tables by id and records the jobs it is given.
type fakeSchema struct {
	mu          sync.Mutex
	tables      map[int64][2]string
	truncated   map[int64]bool
	jobs        []*model.Job
	applied     []int64
	unsupported map[model.ActionType]bool
}

func newFakeSchema() *fakeSchema {
	return &fakeSchema{tables: map[int64][2]string{}, truncated: map[int64]bool{}, unsupported: map[model.ActionType]bool{}}
}

func (f *fakeSchema) SchemaAndTableName(id int64) (string, string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tables[id]
	return t[0], t[1], ok
}
func (f *fakeSchema) AddJob(job *model.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, job)
}
func (f *fakeSchema) HandlePreviousDDLJobIfNeed(version int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, version)
	return nil
}
func (f *fakeSchema) GetSchemaTableAndDelete(version int64) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, j := range f.jobs {
		if j.BinlogInfo != nil && j.BinlogInfo.SchemaVersion == version {
			return j.SchemaName, j.TableName, nil
		}
	}
	return "", "", nil
}
func (f *fakeSchema) IsTruncateTableID(id int64) bool { return f.truncated[id] }
func (f *fakeSchema) SkipJob(job *model.Job) bool {
	return job.State != model.JobStateDone && job.State != model.JobStateSynced
}
func (f *fakeSchema) IsUnsupportedDDLJob(job *model.Job) bool { return f.unsupported[job.Type] }

type fakeJobs map[int64]*model.Job

func (f fakeJobs) Job(_ context.Context, id int64) (*model.Job, error) { return f[id], nil }

// fakeCheckpoint records saves.
type fakeCheckpoint struct {
	mu      sync.Mutex
	ts      int64
	version int64
	saves   []cpSave
	err     error
}

type cpSave struct {
	ts, secondary int64
	consistent    bool
	version       int64
}

func (f *fakeCheckpoint) Save(ts, secondary int64, consistent bool, version int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.ts, f.version = ts, version
	f.saves = append(f.saves, cpSave{ts, secondary, consistent, version})
	return nil
}
func (f *fakeCheckpoint) TS() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ts
}
func (f *fakeCheckpoint) SchemaVersion() int64 { return f.version }
func (f *fakeCheckpoint) last() cpSave {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.saves) == 0 {
		return cpSave{}
	}
	return f.saves[len(f.saves)-1]
}

// fakeSink confirms items when release is called (or at once when auto).
type fakeSink struct {
	mu       sync.Mutex
	auto     bool
	items    []*sink.Item
	held     []*sink.Item
	succ     chan *sink.Item
	errc     chan error
	safe     []bool
	closed   bool
	closeErr error
}

func newFakeSink(auto bool) *fakeSink {
	return &fakeSink{auto: auto, succ: make(chan *sink.Item, 1024), errc: make(chan error, 1)}
}

func (f *fakeSink) Sync(item *sink.Item) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, item)
	if f.auto {
		f.succ <- item
	} else {
		f.held = append(f.held, item)
	}
	return nil
}
func (f *fakeSink) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, it := range f.held {
		f.succ <- it
	}
	f.held = nil
}
func (f *fakeSink) Successes() <-chan *sink.Item { return f.succ }
func (f *fakeSink) Error() <-chan error          { return f.errc }
func (f *fakeSink) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		for _, it := range f.held {
			f.succ <- it
		}
		f.held = nil
		close(f.succ)
	}
	return f.closeErr
}
func (f *fakeSink) SetSafeMode(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.safe = append(f.safe, on)
}
func (f *fakeSink) sent() []*sink.Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*sink.Item(nil), f.items...)
}
func (f *fakeSink) safeModes() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.safe...)
}

// fakeEvents skips the listed DML types and DDL queries.
type fakeEvents struct {
	dml map[loader.DMLType]bool
	ddl map[string]bool
}

func (f fakeEvents) SkipDML(_, _ string, tp loader.DMLType) bool { return f.dml[tp] }
func (f fakeEvents) SkipDDL(_, _, q string) bool                 { return f.ddl[q] }

type fakeTables map[string]bool

func (f fakeTables) SkipSchemaAndTable(schema, table string) bool { return f[schema+"."+table] }

func dmlBinlog(start, commit, version int64, muts ...*binlogpb.TableMutation) *binlogpb.Binlog {
	pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(version), Mutations: muts}
	raw, err := proto.Marshal(pv)
	if err != nil {
		panic(err)
	}
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)
	b.PrewriteValue = raw
	return b
}

func insertMut(tableID int64, rows ...string) *binlogpb.TableMutation {
	m := &binlogpb.TableMutation{TableId: proto.Int64(tableID)}
	for _, r := range rows {
		m.InsertedRows = append(m.InsertedRows, []byte(r))
		m.Sequence = append(m.Sequence, binlogpb.MutationType_Insert)
	}
	return m
}

func ddlBinlog(start, commit, jobID int64, query string) *binlogpb.Binlog {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)
	b.DdlJobId = proto.Int64(jobID)
	b.DdlQuery = []byte(query)
	return b
}

func fakeBinlog(ts int64) *binlogpb.Binlog {
	return binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, ts, ts)
}

func job(id int64, tp model.ActionType, version int64, schema, table, query string) *model.Job {
	return &model.Job{ID: id, Type: tp, State: model.JobStateSynced, SchemaName: schema, TableName: table,
		Query: query, BinlogInfo: &model.HistoryInfo{SchemaVersion: version}}
}

func (f *fakeCheckpoint) Close() error { return nil }
