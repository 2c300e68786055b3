package schema

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Defaults of History.
const (
	// DefaultPageSize is the largest limit TiDB accepts on /ddl/history
	// (ddl.DefNumGetDDLHistoryJobs).
	DefaultPageSize   = 2048
	defaultMinBackoff = 50 * time.Millisecond
	defaultMaxBackoff = time.Second
	defaultLogEvery   = 10 * time.Second
	defaultTimeout    = time.Minute
	defaultJobTimeout = 10 * time.Second
	maxErrorBody      = 4 << 10
)

// Sentinel errors of History.
var (
	// ErrNoTiDB: the URL source lists no TiDB server.
	ErrNoTiDB = errors.New("schema: no TiDB status URL")
	// ErrUnavailable: no TiDB answered (History waits while this holds).
	ErrUnavailable = errors.New("schema: no TiDB answered")
	// ErrBadAnswer: a TiDB answered with a body that is not a DDL job list.
	ErrBadAnswer = errors.New("schema: bad /ddl/history answer")
	// errJobNotFound: the job is not in the history (yet).
	errJobNotFound = errors.New("schema: ddl job not in history")
)

// History reads TiDB's DDL history through the status API. It is safe for
// concurrent use.
type History struct {
	src        URLSource
	client     *http.Client
	lg         *zap.Logger
	pageSize   int
	minBackoff time.Duration
	maxBackoff time.Duration
	logEvery   time.Duration
	jobTimeout time.Duration // bounds one request for a single job

	mu        sync.Mutex
	preferred string // base URL that answered last
}

// HistoryOption configures a History.
type HistoryOption func(*History)

// WithHTTPClient sets the HTTP client (default: 1 minute timeout).
func WithHTTPClient(c *http.Client) HistoryOption { return func(h *History) { h.client = c } }

// WithTLS makes the default client speak TLS to TiDB.
func WithTLS(cfg *tls.Config) HistoryOption {
	return func(h *History) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg
		h.client = &http.Client{Transport: tr, Timeout: defaultTimeout}
	}
}

// WithPageSize sets the number of jobs asked per request (1..DefaultPageSize).
func WithPageSize(n int) HistoryOption {
	return func(h *History) {
		if n > 0 && n <= DefaultPageSize {
			h.pageSize = n
		}
	}
}

// WithBackoff sets the first and the longest wait between attempts while no
// TiDB answers (default 50 ms doubling up to 1 s).
func WithBackoff(minWait, maxWait time.Duration) HistoryOption {
	return func(h *History) {
		if minWait > 0 && maxWait >= minWait {
			h.minBackoff, h.maxBackoff = minWait, maxWait
		}
	}
}

// NewHistory returns a client of the TiDB servers listed by src.
func NewHistory(src URLSource, lg *zap.Logger, opts ...HistoryOption) *History {
	if lg == nil {
		lg = zap.NewNop()
	}
	h := &History{
		src: src, lg: lg.With(zap.String("component", "ddlHistory")),
		client:   &http.Client{Timeout: defaultTimeout},
		pageSize: DefaultPageSize, minBackoff: defaultMinBackoff, maxBackoff: defaultMaxBackoff,
		logEvery: defaultLogEvery, jobTimeout: defaultJobTimeout,
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// AllJobs returns the whole DDL history sorted by schema version (SortJobs).
// While no TiDB answers it waits; it returns ErrBadAnswer when TiDB
// answered with something else than a job list, or the context's error.
func (h *History) AllJobs(ctx context.Context) ([]*model.Job, error) {
	var jobs []*model.Job
	err := h.retry(ctx, "read the ddl history", nil, func(base string) error {
		var err error
		jobs, err = h.allFrom(ctx, base)
		return err
	})
	if err != nil {
		return nil, err
	}
	return SortJobs(dedupe(jobs)), nil
}

// Job returns the history job with this id. It retries with backoff, and
// while no TiDB answers or the job is not in the history yet it waits and
// logs that it waits; it never gives up on its own. It returns ErrBadAnswer
// when TiDB answered with something else than a job list, or the
// context's error.
func (h *History) Job(ctx context.Context, id int64) (*model.Job, error) {
	var job *model.Job
	err := h.retry(ctx, "get the ddl job", []zap.Field{zap.Int64("jobID", id)}, func(base string) error {
		var err error
		job, err = h.jobFrom(ctx, base, id)
		return err
	})
	return job, err
}

// retry runs try against the TiDB servers, the last answering one first,
// until one succeeds, one gives a bad answer, or ctx ends.
func (h *History) retry(ctx context.Context, what string, fields []zap.Field, try func(base string) error) error {
	wait := h.minBackoff
	var lastLog time.Time
	for attempt := 1; ; attempt++ {
		err := h.tryAll(ctx, try)
		if err == nil || errors.Is(err, ErrBadAnswer) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if time.Since(lastLog) >= h.logEvery {
			lastLog = time.Now()
			h.lg.Warn("waiting for TiDB to "+what, append(fields, zap.Int("attempt", attempt), zap.Error(err))...)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, h.maxBackoff)
	}
}

// tryAll runs try against each TiDB in turn and returns nil at the first
// success. A missing job is final (every TiDB reads the same history).
func (h *History) tryAll(ctx context.Context, try func(base string) error) error {
	urls, err := h.urls(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, base := range urls {
		err := try(base)
		if err == nil || errors.Is(err, errJobNotFound) {
			h.mu.Lock()
			h.preferred = base
			h.mu.Unlock()
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		h.lg.Debug("ddl history request failed", zap.String("tidb", base), zap.Error(err))
		errs = append(errs, err)
	}
	joined := errors.Join(errs...)
	if errors.Is(joined, ErrBadAnswer) {
		return joined
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, joined)
}

// urls returns the base URLs to try, the last answering one first.
func (h *History) urls(ctx context.Context) ([]string, error) {
	urls, err := h.src.StatusURLs(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrNoTiDB)
	}
	for i := range urls {
		urls[i] = strings.TrimRight(urls[i], "/")
	}
	h.mu.Lock()
	pref := h.preferred
	h.mu.Unlock()
	for i, u := range urls {
		if u == pref && i > 0 {
			urls[0], urls[i] = urls[i], urls[0]
			break
		}
	}
	return urls, nil
}

// get fetches base/ddl/history with the query and decodes the job list.
// Transport errors and non-200 answers are plain errors (retried); an
// undecodable 200 answer is ErrBadAnswer.
func (h *History) get(ctx context.Context, base, query string) ([]*model.Job, error) {
	url := base + "/ddl/history" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: build request %s: %w", ErrBadAnswer, url, err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, fmt.Errorf("get %s: status %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var jobs []*model.Job
	if err := json.NewDecoder(resp.Body).Decode(&jobs); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadAnswer, url, err)
	}
	out := jobs[:0]
	for _, j := range jobs {
		if j != nil {
			out = append(out, j)
		}
	}
	return out, nil
}

func dedupe(jobs []*model.Job) []*model.Job {
	seen := make(map[int64]struct{}, len(jobs))
	out := jobs[:0]
	for _, j := range jobs {
		if _, ok := seen[j.ID]; !ok {
			seen[j.ID] = struct{}{}
			out = append(out, j)
		}
	}
	return out
}
