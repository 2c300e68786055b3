package collector

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	DefaultDetectInterval = 5 * time.Second
	DefaultRetryInterval  = time.Second
	DefaultBufferBytes    = 32 << 20
	defaultListTimeout    = 10 * time.Second
)

// CompressorGzip is the only accepted Compressor besides "".
const CompressorGzip = "gzip"

// Config of a Collector.
type Config struct {
	// ClusterID is sent with every PullBinlogs request.
	ClusterID uint64
	// InitialTS is the checkpoint: only binlogs with a larger commit ts are emitted.
	InitialTS int64
	// DetectInterval between two reads of the pump list (DefaultDetectInterval when 0).
	DetectInterval time.Duration
	// RetryInterval is the longest wait before a broken pull stream is
	// re-opened (DefaultRetryInterval when 0); the first wait is an eighth
	// of it, doubling while redials fail.
	RetryInterval time.Duration
	// Compressor is "" or "gzip" (gRPC compression of the pull streams).
	Compressor string
	// TLS dials the pumps with TLS when not nil.
	TLS *tls.Config
	// IgnoreTxnCommitTS are commit ts a pump may report lost (DataLoss)
	// without stopping the collector.
	IgnoreTxnCommitTS []int64
	// BufferBytes is the most each pump's source buffers (DefaultBufferBytes when 0).
	BufferBytes int64
}

func (c *Config) adjust() error {
	if c.DetectInterval <= 0 {
		c.DetectInterval = DefaultDetectInterval
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.BufferBytes <= 0 {
		c.BufferBytes = DefaultBufferBytes
	}
	if c.Compressor != "" && c.Compressor != CompressorGzip {
		return fmt.Errorf("collector: unsupported compressor %q (only %q)", c.Compressor, CompressorGzip)
	}
	return nil
}

// PumpLister lists the pump nodes of the registry.
type PumpLister interface {
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
}

var _ PumpLister = (*registry.Registry)(nil)

// Deps are the collaborators of a Collector.
type Deps struct {
	// Registry lists the pumps (required).
	Registry PumpLister
	// Logger (nil: no logs).
	Logger *zap.Logger
	// Registerer receives the metrics (nil: not registered).
	Registerer prometheus.Registerer
	// DialOptions are added to the gRPC dial of every pump.
	DialOptions []grpc.DialOption
	// Budget is the drainer's memory budget: a binlog's bytes are acquired
	// before it is queued for the merge (nil: not accounted). Whoever takes
	// Output must release them.
	Budget *membudget.Budget
}
