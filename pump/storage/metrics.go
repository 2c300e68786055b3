package storage

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openbinlog/tidb-binlog/pkg/tso"
)

// Error-count label values (the original's, SPEC 11).
const (
	errWriteBinlog       = "write_binlog"
	errWriteBinlogBatch  = "write_binlog_batch"
	errBatchWriteKV      = "batch_write_kv"
	errReadValue         = "read_value"
	errFeedPreWriteValue = "feed_pre_write_value"
)

// metrics are the pump storage metrics with the original names.
type metrics struct {
	gcTS           prometheus.Gauge
	doneGCTS       prometheus.Gauge
	deletedKV      prometheus.Counter
	storageSize    *prometheus.GaugeVec
	maxCommitTS    prometheus.Gauge
	queryTiKV      prometheus.Counter
	errorCount     *prometheus.CounterVec
	writeSize      *prometheus.HistogramVec
	writeDuration  *prometheus.HistogramVec
	chaserCount    *prometheus.CounterVec
	chaserCatchUp  prometheus.Histogram
	sizeSingle     prometheus.Observer
	sizeBatch      prometheus.Observer
	durSingle      prometheus.Observer
	durBatch       prometheus.Observer
	durToDisk      prometheus.Observer
	durFsync       prometheus.Observer
	durRotate      prometheus.Observer
	errWrite       prometheus.Counter
	errWriteBatch  prometheus.Counter
	errBatchKV     prometheus.Counter
	errRead        prometheus.Counter
	errFeed        prometheus.Counter
	spaceCapacity  prometheus.Gauge
	spaceAvailable prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "binlog", "pump_storage"
	m := &metrics{
		gcTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "gc_ts", Help: "gc ts of storage",
		}),
		doneGCTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "done_gc_ts",
			Help: "the metadata and files below this ts have been deleted",
		}),
		deletedKV: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "deleted_kv_total", Help: "number of deleted kv entries",
		}),
		storageSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "storage_size_bytes", Help: "storage size info",
		}, []string{"type"}),
		maxCommitTS: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "max_commit_ts", Help: "max commit ts of storage",
		}),
		queryTiKV: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "query_tikv_count", Help: "Total count that queried tikv.",
		}),
		errorCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "error_count", Help: "Total error count in storage",
		}, []string{"type"}),
		writeSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "write_binlog_size", Help: "write binlog size",
			Buckets: prometheus.ExponentialBuckets(16, 2, 25),
		}, []string{"type"}),
		writeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "write_binlog_duration_time",
			Help:    "Bucketed histogram of write time (s) of  binlog.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 20),
		}, []string{"type"}),
		chaserCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "slow_chaser_count",
			Help: "How many times slow chaser changes its state",
		}, []string{"type"}),
		chaserCatchUp: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: "drainer", Name: "slow_chaser_catchup_time_seconds",
			Help:    "Time it takes the slow chaser to catch up with the value log",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 20),
		}),
	}
	if reg != nil {
		m.register(reg)
	}
	m.sizeSingle = m.writeSize.WithLabelValues("single")
	m.sizeBatch = m.writeSize.WithLabelValues("batch")
	m.durSingle = m.writeDuration.WithLabelValues("single")
	m.durBatch = m.writeDuration.WithLabelValues("batch")
	m.durToDisk = m.writeDuration.WithLabelValues("to_disk")
	m.durFsync = m.writeDuration.WithLabelValues("fsync")
	m.durRotate = m.writeDuration.WithLabelValues("rotate")
	m.errWrite = m.errorCount.WithLabelValues(errWriteBinlog)
	m.errWriteBatch = m.errorCount.WithLabelValues(errWriteBinlogBatch)
	m.errBatchKV = m.errorCount.WithLabelValues(errBatchWriteKV)
	m.errRead = m.errorCount.WithLabelValues(errReadValue)
	m.errFeed = m.errorCount.WithLabelValues(errFeedPreWriteValue)
	m.spaceCapacity = m.storageSize.WithLabelValues("capacity")
	m.spaceAvailable = m.storageSize.WithLabelValues("available")
	return m
}

// register registers every collector; one already registered by an earlier
// Append on the same registry is reused.
func (m *metrics) register(reg prometheus.Registerer) {
	m.gcTS = registerOrReuse(reg, m.gcTS)
	m.doneGCTS = registerOrReuse(reg, m.doneGCTS)
	m.deletedKV = registerOrReuse(reg, m.deletedKV)
	m.storageSize = registerOrReuse(reg, m.storageSize)
	m.maxCommitTS = registerOrReuse(reg, m.maxCommitTS)
	m.queryTiKV = registerOrReuse(reg, m.queryTiKV)
	m.errorCount = registerOrReuse(reg, m.errorCount)
	m.writeSize = registerOrReuse(reg, m.writeSize)
	m.writeDuration = registerOrReuse(reg, m.writeDuration)
	m.chaserCount = registerOrReuse(reg, m.chaserCount)
	m.chaserCatchUp = registerOrReuse(reg, m.chaserCatchUp)
}

func registerOrReuse[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
	}
	return c
}

// tsPhysical converts a TSO to its physical milliseconds for the ts gauges.
func tsPhysical(ts int64) float64 { return float64(tso.Physical(ts)) }
