package pumpclient

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Defaults of the original pump client (SPEC 9).
const (
	// DefaultEtcdTimeout bounds the initial etcd and PD requests.
	DefaultEtcdTimeout = 5 * time.Second
	// DefaultBinlogWriteTimeout is TiDB's binlog.write-timeout default.
	DefaultBinlogWriteTimeout = 15 * time.Second
	// DefaultDetectInterval is how often unavailable online pumps are probed.
	DefaultDetectInterval = 30 * time.Second
	// DefaultCommitBinlogTimeout is how long a commit/rollback binlog is retried.
	DefaultCommitBinlogTimeout = 10 * time.Minute
	// DefaultRetryInterval separates two prewrite attempts.
	DefaultRetryInterval = 100 * time.Millisecond
	// DefaultCommitRetryInterval separates two commit/rollback attempts.
	DefaultCommitRetryInterval = time.Second
	// DefaultMaxErrNum is the number of consecutive failures after which a
	// pump is treated as unavailable.
	DefaultMaxErrNum = 10
	// DefaultDialTimeout bounds one connection attempt to a pump.
	DefaultDialTimeout = 5 * time.Second
)

// Option customises a PumpsClient.
type Option func(*options)

type options struct {
	lg                  *zap.Logger
	reg                 prometheus.Registerer
	detectInterval      time.Duration
	commitTimeout       time.Duration
	retryInterval       time.Duration
	commitRetryInterval time.Duration
	dialTimeout         time.Duration
	maxErrNum           int64
}

func defaultOptions() options {
	return options{
		lg:                  zap.NewNop(),
		detectInterval:      DefaultDetectInterval,
		commitTimeout:       DefaultCommitBinlogTimeout,
		retryInterval:       DefaultRetryInterval,
		commitRetryInterval: DefaultCommitRetryInterval,
		dialTimeout:         DefaultDialTimeout,
		maxErrNum:           DefaultMaxErrNum,
	}
}

func buildOptions(opts []Option) options {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.lg == nil {
		o.lg = zap.NewNop()
	}
	return o
}

// WithLogger sets the logger (nil means no logging).
func WithLogger(lg *zap.Logger) Option { return func(o *options) { o.lg = lg } }

// WithRegisterer registers the client's metrics with reg (nil: not registered).
func WithRegisterer(reg prometheus.Registerer) Option { return func(o *options) { o.reg = reg } }

// WithDetectInterval sets how often unavailable online pumps are probed (default 30 s).
func WithDetectInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.detectInterval = d
		}
	}
}

// WithCommitBinlogTimeout sets how long a commit/rollback binlog is retried
// on its prewrite's pump, and how long a prewrite's pump is remembered
// (default 10 min).
func WithCommitBinlogTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.commitTimeout = d
		}
	}
}

// WithRetryInterval sets the pause between two prewrite attempts (default 100 ms).
func WithRetryInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.retryInterval = d
		}
	}
}

// WithCommitRetryInterval sets the pause between two commit/rollback attempts (default 1 s).
func WithCommitRetryInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.commitRetryInterval = d
		}
	}
}

// WithDialTimeout bounds one connection attempt to a pump (default 5 s).
func WithDialTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.dialTimeout = d
		}
	}
}

// WithMaxErrNum sets how many consecutive failures make a pump unavailable (default 10).
func WithMaxErrNum(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxErrNum = int64(n)
		}
	}
}
