package tidblite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// The meta store plays the part of TiDB's meta keys in TiKV: the global ID
// allocator (schemas, tables, DDL jobs), the schema version, the
// auto-ID (_tidb_rowid) allocators and the DDL job history. With PD it lives
// in PD's etcd, so several tidb-lite instances share one namespace of IDs
// and one history (as TiDB instances of one cluster do); without PD it is
// in memory.

// Names of the counters.
const (
	counterGlobalID      = "global-id"
	counterSchemaVersion = "schema-version"
	autoIDStep           = 30000 // _tidb_rowid values reserved per allocation
)

// Initial values: IDs below these are left to "system" objects, as TiDB's
// bootstrap does.
const (
	initialGlobalID      = 100
	initialSchemaVersion = 20
)

// metaPrefix is the etcd prefix of tidb-lite's meta keys.
const metaPrefix = "/tidb-lite/meta/"

// ErrCorruptMeta is returned for an undecodable meta value.
var ErrCorruptMeta = errors.New("tidblite: corrupt meta value")

// metaStore is what the DDL executor and the transaction path need.
type metaStore interface {
	// lockDDL serializes DDL across the instances sharing the store.
	lockDDL(ctx context.Context) (unlock func(), err error)
	// alloc reserves n values of a counter and returns the last one.
	alloc(ctx context.Context, counter string, n int64) (int64, error)
	// addJob stores a finished job in the history.
	addJob(ctx context.Context, job *model.Job) error
	// jobsAfter returns the history jobs with an ID greater than id, by ID.
	jobsAfter(ctx context.Context, id int64) ([]*model.Job, error)
	close() error
}

func counterStart(counter string) int64 {
	switch counter {
	case counterGlobalID:
		return initialGlobalID
	case counterSchemaVersion:
		return initialSchemaVersion
	}
	return 0
}

func autoIDCounter(tableID int64) string { return "auto-id/" + strconv.FormatInt(tableID, 10) }

// memMeta is the in-memory store of a standalone server.
type memMeta struct {
	lock chan struct{}

	mu       sync.Mutex
	counters map[string]int64
	jobs     []*model.Job
}

var _ metaStore = (*memMeta)(nil)

func newMemMeta() *memMeta {
	return &memMeta{lock: make(chan struct{}, 1), counters: map[string]int64{}}
}

func (m *memMeta) lockDDL(ctx context.Context) (func(), error) {
	select {
	case m.lock <- struct{}{}:
		return func() { <-m.lock }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("lock ddl: %w", ctx.Err())
	}
}

func (m *memMeta) alloc(_ context.Context, counter string, n int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.counters[counter]
	if !ok {
		v = counterStart(counter)
	}
	v += n
	m.counters[counter] = v
	return v, nil
}

func (m *memMeta) addJob(_ context.Context, job *model.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.jobs = append(m.jobs, cloneJob(job))
	return nil
}

func (m *memMeta) jobsAfter(_ context.Context, id int64) ([]*model.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := sort.Search(len(m.jobs), func(i int) bool { return m.jobs[i].ID > id })
	out := make([]*model.Job, 0, len(m.jobs)-i)
	for _, j := range m.jobs[i:] {
		out = append(out, cloneJob(j))
	}
	return out, nil
}

func (m *memMeta) close() error { return nil }

// cloneJob deep-copies a job through its JSON form.
func cloneJob(j *model.Job) *model.Job {
	b, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("tidblite: marshal job: %v", err)) // only plain data inside
	}
	var c model.Job
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("tidblite: unmarshal job: %v", err))
	}
	return &c
}

// etcdMeta keeps the meta in PD's etcd.
type etcdMeta struct {
	cli *clientv3.Client
	lg  *zap.Logger

	mu   sync.Mutex // guards sess
	sess *concurrency.Session
}

var _ metaStore = (*etcdMeta)(nil)

// sessionTTL is the lease TTL (seconds) of the session holding the DDL lock.
const sessionTTL = 10

func newEtcdMeta(cli *clientv3.Client, lg *zap.Logger) (*etcdMeta, error) {
	sess, err := concurrency.NewSession(cli, concurrency.WithTTL(sessionTTL))
	if err != nil {
		return nil, fmt.Errorf("open etcd session: %w", err)
	}
	return &etcdMeta{cli: cli, lg: lg, sess: sess}, nil
}

// session returns a live session: the lease of the current one may have
// expired (PD stalled longer than the TTL, its keepalive gave up) or been
// revoked; a dead session is replaced so that one lost lease cannot fail
// every later DDL of the process.
func (m *etcdMeta) session() (*concurrency.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.sess.Done():
		return m.renewLocked(m.sess)
	default:
		return m.sess, nil
	}
}

// renew replaces dead with a new session unless another caller already has.
func (m *etcdMeta) renew(dead *concurrency.Session) (*concurrency.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.renewLocked(dead)
}

func (m *etcdMeta) renewLocked(dead *concurrency.Session) (*concurrency.Session, error) {
	if m.sess != dead {
		return m.sess, nil
	}
	sess, err := concurrency.NewSession(m.cli, concurrency.WithTTL(sessionTTL))
	if err != nil {
		return nil, fmt.Errorf("reopen etcd session: %w", err)
	}
	// Closing revokes the old lease if it still exists; its error only says
	// that it is gone already.
	_ = dead.Close()
	m.lg.Warn("etcd session of the DDL lock lost, opened a new one",
		zap.Int64("oldLease", int64(dead.Lease())), zap.Int64("newLease", int64(sess.Lease())))
	m.sess = sess
	return sess, nil
}

// sessionLost tells whether err means the session's lease no longer exists.
func sessionLost(sess *concurrency.Session, err error) bool {
	if errors.Is(err, rpctypes.ErrLeaseNotFound) || errors.Is(err, rpctypes.ErrGRPCLeaseNotFound) {
		return true
	}
	select {
	case <-sess.Done():
		return true
	default:
		return false
	}
}

// lockDDL takes the DDL mutex; when the session turns out to be dead it
// retries once with a fresh one.
func (m *etcdMeta) lockDDL(ctx context.Context) (func(), error) {
	sess, err := m.session()
	if err != nil {
		return nil, fmt.Errorf("lock ddl: %w", err)
	}
	unlock, err := lockWith(ctx, sess)
	if err == nil || ctx.Err() != nil || !sessionLost(sess, err) {
		return unlock, err
	}
	if sess, err = m.renew(sess); err != nil {
		return nil, fmt.Errorf("lock ddl: %w", err)
	}
	return lockWith(ctx, sess)
}

func lockWith(ctx context.Context, sess *concurrency.Session) (func(), error) {
	mu := concurrency.NewMutex(sess, metaPrefix+"ddl-lock")
	if err := mu.Lock(ctx); err != nil {
		return nil, fmt.Errorf("lock ddl: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), etcdOpTimeout)
		defer cancel()
		_ = mu.Unlock(ctx)
	}, nil
}

func (m *etcdMeta) alloc(ctx context.Context, counter string, n int64) (int64, error) {
	key := metaPrefix + "counter/" + counter
	for {
		resp, err := m.cli.Get(ctx, key)
		if err != nil {
			return 0, fmt.Errorf("read counter %s: %w", counter, err)
		}
		cur, rev := counterStart(counter), int64(0)
		if len(resp.Kvs) > 0 {
			rev = resp.Kvs[0].ModRevision
			if cur, err = strconv.ParseInt(string(resp.Kvs[0].Value), 10, 64); err != nil {
				return 0, fmt.Errorf("%w: counter %s: %w", ErrCorruptMeta, counter, err)
			}
		}
		next := cur + n
		txn, err := m.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
			Then(clientv3.OpPut(key, strconv.FormatInt(next, 10))).Commit()
		if err != nil {
			return 0, fmt.Errorf("update counter %s: %w", counter, err)
		}
		if txn.Succeeded {
			return next, nil
		}
	}
}

func jobKey(id int64) string { return fmt.Sprintf("%sjob/%020d", metaPrefix, id) }

func (m *etcdMeta) addJob(ctx context.Context, job *model.Job) error {
	b, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("marshal job %d: %w", job.ID, err)
	}
	if _, err := m.cli.Put(ctx, jobKey(job.ID), string(b)); err != nil {
		return fmt.Errorf("store job %d: %w", job.ID, err)
	}
	return nil
}

func (m *etcdMeta) jobsAfter(ctx context.Context, id int64) ([]*model.Job, error) {
	end := clientv3.GetPrefixRangeEnd(metaPrefix + "job/")
	resp, err := m.cli.Get(ctx, jobKey(id+1), clientv3.WithRange(end))
	if err != nil {
		return nil, fmt.Errorf("read ddl history: %w", err)
	}
	out := make([]*model.Job, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var j model.Job
		if err := json.Unmarshal(kv.Value, &j); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCorruptMeta, strings.TrimPrefix(string(kv.Key), metaPrefix), err)
		}
		out = append(out, &j)
	}
	return out, nil
}

func (m *etcdMeta) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess.Close()
}
