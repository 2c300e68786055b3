package resolver

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// DefaultMaxTxnTimeout is how long after its start a txn without any MVCC
// record on its primary key is taken as rolled back (the original's 600 s,
// storage.DefaultMaxTxnTimeout).
const DefaultMaxTxnTimeout = storage.DefaultMaxTxnTimeout

// defaultHTTPTimeout bounds one /mvcc/hex request when no client is injected.
const defaultHTTPTimeout = 5 * time.Second

// maxBodySize bounds the MVCC answer read from TiDB.
const maxBodySize = 64 << 20

// Sentinel errors.
var (
	// ErrNoTiDB: neither configured status URLs nor live TiDB instances in the topology.
	ErrNoTiDB = errors.New("resolver: no TiDB status URL")
	// ErrUnavailable: no TiDB instance answered the MVCC query.
	ErrUnavailable = errors.New("resolver: no TiDB instance answered")
)

// Topology lists the live TiDB servers (implemented by *registry.Registry).
type Topology interface {
	TiDBInstances(ctx context.Context) ([]registry.TiDBInfo, error)
}

// TSO returns the current timestamp from PD (implemented by *pd.Client).
type TSO interface {
	TSO(ctx context.Context) (int64, error)
}

// Config holds the dependencies of a Resolver.
type Config struct {
	// StatusURLs are TiDB status addresses ("http://h:10080" or "h:10080").
	// When set they are used instead of Topology.
	StatusURLs []string
	// Topology supplies TiDB instances when StatusURLs is empty.
	Topology Topology
	// TSO gives the current time in TSO form; nil uses the local clock.
	TSO TSO
	// MaxTxnTimeout: 0 means DefaultMaxTxnTimeout.
	MaxTxnTimeout time.Duration
	// HTTPClient: nil builds one with TLS and a 5 s timeout.
	HTTPClient *http.Client
	// TLS, when set, makes the default client speak https to TiDB.
	TLS *tls.Config
	// Logger: nil means zap.NewNop().
	Logger *zap.Logger
	// Registerer is accepted for symmetry with the other components; the
	// resolver exports no metric of its own (the storage counts
	// binlog_pump_storage_query_tikv_count for every resolution).
	Registerer prometheus.Registerer
}

// Resolver finds the outcome of a txn whose commit binlog never arrived.
type Resolver struct {
	cfg    Config
	client *http.Client
	lg     *zap.Logger

	mu        sync.Mutex
	preferred string // base URL that answered last
}

var _ storage.Resolver = (*Resolver)(nil)

// New builds a Resolver.
func New(cfg Config) *Resolver {
	if cfg.MaxTxnTimeout <= 0 {
		cfg.MaxTxnTimeout = DefaultMaxTxnTimeout
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	client := cfg.HTTPClient
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg.TLS
		client = &http.Client{Transport: tr, Timeout: defaultHTTPTimeout}
	}
	return &Resolver{cfg: cfg, client: client, lg: lg.With(zap.String("component", "resolver"))}
}

// Resolve asks TiDB for the MVCC record of the prewrite's primary key and
// reports whether the txn committed (and at which commit ts), rolled back,
// or is still undecided. An error means no TiDB could be asked; the caller
// keeps waiting and retries.
func (r *Resolver) Resolve(ctx context.Context, prewrite *binlogpb.Binlog) (storage.Resolution, error) {
	startTS := prewrite.GetStartTs()
	key := prewrite.GetPrewriteKey()
	lg := r.lg.With(zap.Int64("startTS", startTS))
	if len(key) == 0 {
		lg.Warn("prewrite binlog without prewrite key, cannot query MVCC")
		return r.noRecord(ctx, lg, startTS)
	}
	info, url, err := r.query(ctx, key)
	if err != nil {
		return storage.Resolution{}, fmt.Errorf("resolve txn %d: %w", startTS, err)
	}
	v := decide(info, startTS)
	switch v.kind {
	case verdictCommitted:
		if v.commitTS <= startTS {
			return storage.Resolution{}, fmt.Errorf("resolve txn %d: %w: commit ts %d not after start ts", startTS, ErrBadMVCC, v.commitTS)
		}
		lg.Info("txn committed, commit binlog missing", zap.Int64("commitTS", v.commitTS), zap.String("tidb", url))
		return storage.Resolution{Status: storage.TxnCommitted, CommitTS: v.commitTS}, nil
	case verdictRolledBack:
		lg.Info("txn rolled back, dropping its prewrite binlog", zap.String("tidb", url))
		return storage.Resolution{Status: storage.TxnRolledBack}, nil
	case verdictLocked:
		lg.Debug("txn still holds its lock", zap.Int32("lockType", v.lock.Type), zap.Uint64("ttl", v.lock.TTL))
		return storage.Resolution{Status: storage.TxnUnknown}, nil
	}
	return r.noRecord(ctx, lg, startTS)
}

// noRecord decides for a txn that left no trace: unknown while it is younger
// than MaxTxnTimeout, rolled back after that.
func (r *Resolver) noRecord(ctx context.Context, lg *zap.Logger, startTS int64) (storage.Resolution, error) {
	now, err := r.now(ctx)
	if err != nil {
		return storage.Resolution{}, fmt.Errorf("resolve txn %d: get tso: %w", startTS, err)
	}
	age := time.Duration(tso.Physical(now)-tso.Physical(startTS)) * time.Millisecond
	if age <= r.cfg.MaxTxnTimeout {
		return storage.Resolution{Status: storage.TxnUnknown}, nil
	}
	lg.Warn("no MVCC record of txn after max txn timeout, taking it as rolled back",
		zap.Duration("age", age), zap.Duration("maxTxnTimeout", r.cfg.MaxTxnTimeout))
	return storage.Resolution{Status: storage.TxnRolledBack}, nil
}

func (r *Resolver) now(ctx context.Context) (int64, error) {
	if r.cfg.TSO == nil {
		return tso.FromTime(time.Now()), nil
	}
	return r.cfg.TSO.TSO(ctx)
}

// query asks each TiDB in turn, starting with the one that answered last,
// and returns the first parsed answer with the base URL that gave it.
func (r *Resolver) query(ctx context.Context, key []byte) (*mvccInfo, string, error) {
	urls, err := r.statusURLs(ctx)
	if err != nil {
		return nil, "", err
	}
	path := "/mvcc/hex/" + hex.EncodeToString(key)
	var errs []error
	for _, base := range urls {
		info, err := r.fetch(ctx, base+path)
		if err == nil {
			r.mu.Lock()
			r.preferred = base
			r.mu.Unlock()
			return info, base, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		r.lg.Warn("query TiDB mvcc failed", zap.String("tidb", base), zap.Error(err))
		errs = append(errs, err)
	}
	return nil, "", fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

func (r *Resolver) fetch(ctx context.Context, url string) (*mvccInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %w", url, err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	info, err := parseMVCC(body)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	return info, nil
}

// statusURLs returns the base URLs to try, the last answering one first.
func (r *Resolver) statusURLs(ctx context.Context) ([]string, error) {
	var urls []string
	if len(r.cfg.StatusURLs) > 0 {
		for _, u := range r.cfg.StatusURLs {
			if u = strings.TrimSpace(u); u != "" {
				urls = append(urls, r.normalize(u))
			}
		}
	} else if r.cfg.Topology != nil {
		insts, err := r.cfg.Topology.TiDBInstances(ctx)
		if err != nil {
			return nil, fmt.Errorf("list TiDB instances: %w", err)
		}
		for _, in := range insts {
			if in.StatusURL != "" {
				urls = append(urls, r.normalize(in.StatusURL))
			}
		}
	}
	if len(urls) == 0 {
		return nil, ErrNoTiDB
	}
	r.mu.Lock()
	pref := r.preferred
	r.mu.Unlock()
	for i, u := range urls {
		if u == pref && i > 0 {
			urls[0], urls[i] = urls[i], urls[0]
			break
		}
	}
	return urls, nil
}

// normalize adds the scheme (https when TLS is configured) and drops a trailing slash.
func (r *Resolver) normalize(u string) string {
	u = strings.TrimRight(u, "/")
	scheme := "http://"
	if r.cfg.TLS != nil {
		scheme = "https://"
	}
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		return scheme + rest
	}
	if strings.HasPrefix(u, "https://") {
		return u
	}
	return scheme + u
}
