package pumpclient

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// The original pump client had no metrics of its own; these follow the
// suite's naming (namespace binlog, subsystem pump_client).
const (
	metricsNamespace = "binlog"
	metricsSubsystem = "pump_client"
)

// Binlog type label values.
const (
	typePrewrite = "prewrite"
	typeCommit   = "commit"
	typeRollback = "rollback"
	typeProbe    = "probe"
)

type metrics struct {
	writes          *prometheus.CounterVec   // {nodeID, type}: successful writes
	failures        *prometheus.CounterVec   // {nodeID, type}: failed attempts
	duration        *prometheus.HistogramVec // {nodeID, type}: latency of one attempt
	available       prometheus.Gauge         // available pumps
	pendingCommits  prometheus.Gauge         // prewrites waiting for their commit binlog
	droppedCommits  *prometheus.CounterVec   // {reason}: commit/rollback binlogs given up
	failedPrewrites prometheus.Counter       // WriteBinlog calls that returned an error
}

func newMetrics(reg prometheus.Registerer, lg *zap.Logger) *metrics {
	m := &metrics{
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "write_binlog_total",
			Help: "Binlogs written successfully, per pump and binlog type.",
		}, []string{"nodeID", "type"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "write_binlog_failure_total",
			Help: "Failed binlog write attempts, per pump and binlog type.",
		}, []string{"nodeID", "type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "write_binlog_duration_seconds",
			Help:    "Duration of one binlog write attempt, per pump and binlog type.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 20),
		}, []string{"nodeID", "type"}),
		available: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "available_pumps",
			Help: "Pumps currently chosen for prewrite binlogs.",
		}),
		pendingCommits: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "pending_commit_binlogs",
			Help: "Prewrite binlogs whose commit or rollback binlog has not been written yet.",
		}),
		droppedCommits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "dropped_commit_binlog_total",
			Help: "Commit/rollback binlogs given up (no known prewrite pump, timeout, client closed).",
		}, []string{"reason"}),
		failedPrewrites: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: "write_prewrite_error_total",
			Help: "Prewrite binlogs that could not be written to any pump.",
		}),
	}
	if reg != nil {
		m.writes = register(reg, m.writes, lg)
		m.failures = register(reg, m.failures, lg)
		m.duration = register(reg, m.duration, lg)
		m.available = register(reg, m.available, lg)
		m.pendingCommits = register(reg, m.pendingCommits, lg)
		m.droppedCommits = register(reg, m.droppedCommits, lg)
		m.failedPrewrites = register(reg, m.failedPrewrites, lg)
	}
	return m
}

// register registers c, or returns the collector already registered under
// the same name (several clients may share one registry).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, lg *zap.Logger) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	lg.Warn("register pump client metric failed", zap.Error(err))
	return c
}

// typeMetrics are the per pump and binlog type children of the vectors,
// resolved once per pump instead of on every write.
type typeMetrics struct {
	writes   prometheus.Counter
	failures prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) forPump(nodeID string) map[string]*typeMetrics {
	out := make(map[string]*typeMetrics, 4)
	for _, typ := range []string{typePrewrite, typeCommit, typeRollback, typeProbe} {
		out[typ] = &typeMetrics{
			writes:   m.writes.WithLabelValues(nodeID, typ),
			failures: m.failures.WithLabelValues(nodeID, typ),
			duration: m.duration.WithLabelValues(nodeID, typ),
		}
	}
	return out
}
