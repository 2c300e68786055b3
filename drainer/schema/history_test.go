package schema

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

var _ translator.TableInfoGetter = (*Schema)(nil)

// fakeTiDB serves GET /ddl/history like TiDB's status server: with TiDB
// 6.3+ semantics (start_job_id/limit, newest first) and the golden byte-exact
// body for ?start_job_id=ID&limit=1, or like an older TiDB that ignores the
// parameters.
type fakeTiDB struct {
	mu       sync.Mutex
	jobs     []*model.Job // ascending id
	bodies   map[int64]string
	old      bool
	body     string // when set, served as is
	failures int    // answer 500 to this many more requests
	requests []string
	hits     atomic.Int64
}

func newFakeTiDB(t *testing.T, golden []*goldenJob) (*fakeTiDB, *httptest.Server) {
	f := &fakeTiDB{bodies: map[int64]string{}}
	for _, g := range golden {
		f.jobs = append(f.jobs, parseBody(t, g.Body))
		f.bodies[g.JobID] = g.Body
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeTiDB) addJob(j *model.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
}

func (f *fakeTiDB) set(change func(f *fakeTiDB)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeTiDB) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeTiDB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	if r.URL.Path != "/ddl/history" {
		http.NotFound(w, r)
		return
	}
	if f.failures > 0 {
		f.failures--
		http.Error(w, "tikv unavailable", http.StatusInternalServerError)
		return
	}
	if f.body != "" {
		_, _ = w.Write([]byte(f.body))
		return
	}
	start, _ := strconv.ParseInt(r.FormValue("start_job_id"), 10, 64)
	limit, _ := strconv.Atoi(r.FormValue("limit"))
	if !f.old && start > 0 && limit == 1 && f.bodies[start] != "" {
		_, _ = w.Write([]byte(f.bodies[start]))
		return
	}
	out := f.jobs
	if !f.old && (start > 0 || limit > 0) {
		out = nil
		for i := len(f.jobs) - 1; i >= 0 && len(out) < limit; i-- {
			if start == 0 || f.jobs[i].ID <= start {
				out = append(out, f.jobs[i])
			}
		}
	}
	b, err := model.MarshalJobsIndent(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = w.Write(b)
}

func staticSource(t *testing.T, urls ...string) URLSource {
	src, err := StaticURLs(urls, false)
	require.NoError(t, err)
	return src
}

func fastHistory(src URLSource, lg *zap.Logger, opts ...HistoryOption) *History {
	return NewHistory(src, lg, append([]HistoryOption{WithBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)...)
}

func TestHistoryJobServesGoldenBodies(t *testing.T) {
	golden := loadGolden(t)
	f, srv := newFakeTiDB(t, golden)
	h := fastHistory(staticSource(t, srv.URL), nil)
	for _, g := range golden {
		job, err := h.Job(context.Background(), g.JobID)
		require.NoError(t, err)
		b, err := json.Marshal(job)
		require.NoError(t, err)
		require.Equal(t, string(g.JobBytes), string(b), g.Name) // nothing lost
	}
	var want []string
	for _, g := range golden {
		want = append(want, "GET /ddl/history?start_job_id="+strconv.FormatInt(g.JobID, 10)+"&limit=1")
	}
	require.Equal(t, want, f.log())
}

func TestHistoryAllJobsPaginated(t *testing.T) {
	golden := loadGolden(t)
	for _, size := range []int{1, 3, 7, 14, 2048} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			f, srv := newFakeTiDB(t, golden)
			h := fastHistory(staticSource(t, srv.URL), nil, WithPageSize(size))
			jobs, err := h.AllJobs(context.Background())
			require.NoError(t, err)
			require.Len(t, jobs, 14)
			for i := 1; i < len(jobs); i++ {
				require.Less(t, jobs[i-1].SchemaVersion(), jobs[i].SchemaVersion())
			}
			reqs := f.log()
			require.Equal(t, fmt.Sprintf("GET /ddl/history?limit=%d", size), reqs[0])
			require.Len(t, reqs, 14/size+1)
			if size == 3 {
				require.Equal(t, "GET /ddl/history?start_job_id=101&limit=3", reqs[1]) // after 104, 103, 102
			}
		})
	}
}

func TestHistoryOldTiDB(t *testing.T) {
	golden := loadGolden(t)
	f, srv := newFakeTiDB(t, golden)
	f.set(func(f *fakeTiDB) { f.old = true })
	for _, size := range []int{3, 14, 100} {
		h := fastHistory(staticSource(t, srv.URL), nil, WithPageSize(size))
		jobs, err := h.AllJobs(context.Background())
		require.NoError(t, err)
		require.Len(t, jobs, 14)
	}
	h := fastHistory(staticSource(t, srv.URL), nil)
	job, err := h.Job(context.Background(), 97)
	require.NoError(t, err)
	require.Equal(t, model.ActionDropColumn, job.Type)
}

func TestHistoryFeedsSchema(t *testing.T) {
	_, srv := newFakeTiDB(t, loadGolden(t))
	h := fastHistory(staticSource(t, srv.URL), nil, WithPageSize(4))
	jobs, err := h.AllJobs(context.Background())
	require.NoError(t, err)
	s := newSchema(t, jobs)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(69))
	require.Equal(t, "goldendb.t_all_renamed", name(t, s, 100))
}

func TestHistoryBadAnswers(t *testing.T) {
	golden := loadGolden(t)
	f, srv := newFakeTiDB(t, golden)
	h := fastHistory(staticSource(t, srv.URL), nil)
	for _, body := range []string{"{", "not json", `{"id":1}`, `[{"id":"x"}]`, `[{"id":1,"type":300}]`} {
		f.set(func(f *fakeTiDB) { f.body = body })
		_, err := h.AllJobs(context.Background())
		require.ErrorIs(t, err, ErrBadAnswer, body)
		_, err = h.Job(context.Background(), 85)
		require.ErrorIs(t, err, ErrBadAnswer, body)
	}
	// a job type from a newer TiDB is no bad answer: the schema skips it
	f.set(func(f *fakeTiDB) { f.body = `[{"id":120,"type":250,"state":6,"binlog":{"SchemaVersion":80}},null]` })
	job, err := h.Job(context.Background(), 120)
	require.NoError(t, err)
	require.True(t, IsUnsupportedDDLJob(job))
}

func TestHistoryWaitsWhileNoTiDBAnswers(t *testing.T) {
	golden := loadGolden(t)
	f, srv := newFakeTiDB(t, golden)
	f.set(func(f *fakeTiDB) { f.failures = 5 })
	core, logs := observer.New(zap.WarnLevel)
	h := fastHistory(staticSource(t, "127.0.0.1:1", srv.URL), zap.New(core))
	h.logEvery = 0
	job, err := h.Job(context.Background(), 91)
	require.NoError(t, err)
	require.EqualValues(t, 91, job.ID)
	waits := logs.FilterMessage("waiting for TiDB to get the ddl job").All()
	require.Len(t, waits, 5)
	require.EqualValues(t, 91, waits[0].ContextMap()["jobID"])

	// the answering TiDB is asked first from now on
	before := f.hits.Load()
	_, err = h.AllJobs(context.Background())
	require.NoError(t, err)
	require.Equal(t, before+1, f.hits.Load())
}

func TestHistoryWaitsForAJobNotInHistoryYet(t *testing.T) {
	golden := loadGolden(t)
	f, srv := newFakeTiDB(t, golden)
	core, logs := observer.New(zap.WarnLevel)
	h := fastHistory(staticSource(t, srv.URL), zap.New(core))
	h.logEvery = 0
	next := parseBody(t, golden[len(golden)-1].Body)
	next.ID, next.BinlogInfo.SchemaVersion = 105, 76
	done := make(chan *model.Job)
	go func() {
		job, err := h.Job(context.Background(), 105)
		if err != nil {
			job = nil
		}
		done <- job
	}()
	require.Eventually(t, func() bool { return logs.Len() >= 3 }, 10*time.Second, time.Millisecond)
	f.addJob(next)
	job := <-done
	require.NotNil(t, job)
	require.EqualValues(t, 76, job.SchemaVersion())
}

func TestHistoryContextEndsTheWait(t *testing.T) {
	empty := sourceFunc(func(context.Context) ([]string, error) { return nil, nil })
	failing := sourceFunc(func(context.Context) ([]string, error) { return nil, errors.New("etcd down") })
	for _, src := range []URLSource{empty, failing, staticSource(t, "127.0.0.1:1")} {
		h := fastHistory(src, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := h.Job(ctx, 1)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		_, err = h.AllJobs(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		cancel()
	}
}

type sourceFunc func(ctx context.Context) ([]string, error)

func (f sourceFunc) StatusURLs(ctx context.Context) ([]string, error) { return f(ctx) }

type fakeTopology []registry.TiDBInfo

func (f fakeTopology) TiDBInstances(context.Context) ([]registry.TiDBInfo, error) { return f, nil }

func TestURLSources(t *testing.T) {
	src, err := StaticURLs([]string{"h1:10080, http://h2:10080/", "https://h3:1"}, false)
	require.NoError(t, err)
	urls, err := src.StatusURLs(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"http://h1:10080", "http://h2:10080/", "https://h3:1"}, urls)
	src, err = StaticURLs([]string{"h1:10080"}, true)
	require.NoError(t, err)
	urls, _ = src.StatusURLs(context.Background())
	require.Equal(t, []string{"https://h1:10080"}, urls)
	_, err = StaticURLs([]string{" , "}, false)
	require.ErrorIs(t, err, registry.ErrNoEndpoints)

	topo := TopologyURLs(fakeTopology{{Addr: "a:4000", StatusURL: "http://a:10080"}, {Addr: "b:4000"}}, true)
	urls, err = topo.StatusURLs(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"https://a:10080"}, urls)
	urls, err = TopologyURLs(fakeTopology{}, false).StatusURLs(context.Background())
	require.NoError(t, err)
	require.Empty(t, urls)
}

func TestNewURLSource(t *testing.T) {
	topo := fakeTopology{{Addr: "a:4000", StatusURL: "http://a:10080"}}
	src, err := NewURLSource([]string{"h:1"}, topo, false)
	require.NoError(t, err)
	urls, _ := src.StatusURLs(context.Background())
	require.Equal(t, []string{"http://h:1"}, urls)
	src, err = NewURLSource([]string{" , "}, topo, false)
	require.NoError(t, err)
	urls, _ = src.StatusURLs(context.Background())
	require.Equal(t, []string{"http://a:10080"}, urls)
	_, err = NewURLSource(nil, nil, false)
	require.ErrorIs(t, err, ErrNoTiDB)
}

func TestHistoryHungTiDBIsPassedOver(t *testing.T) {
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()
	_, srv := newFakeTiDB(t, loadGolden(t))
	h := fastHistory(staticSource(t, hung.URL, srv.URL), nil)
	h.jobTimeout = 50 * time.Millisecond
	job, err := h.Job(context.Background(), 99)
	require.NoError(t, err)
	require.EqualValues(t, 99, job.ID)
}

func TestHistoryOverTLS(t *testing.T) {
	golden := loadGolden(t)
	f := &fakeTiDB{bodies: map[int64]string{}}
	for _, g := range golden {
		f.jobs = append(f.jobs, parseBody(t, g.Body))
	}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	src, err := StaticURLs([]string{strings.TrimPrefix(srv.URL, "https://")}, true)
	require.NoError(t, err)
	h := NewHistory(src, nil, WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	jobs, err := h.AllJobs(context.Background())
	require.NoError(t, err)
	require.Len(t, jobs, 14)
}
