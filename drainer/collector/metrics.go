package collector

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Error types counted in binlog_drainer_error_count.
const (
	errTypePull      = "pull_binlogs"
	errTypeListPumps = "list_pumps"
	errTypeDataLoss  = "data_loss_ignored"
)

// metrics of the collector (SPEC 11, drainer subsystem).
type metrics struct {
	pumpPosition   *prometheus.GaugeVec
	reachDuration  *prometheus.HistogramVec
	readBinlogSize *prometheus.HistogramVec
	disorder       prometheus.Counter
	errors         *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		pumpPosition: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "pump_position",
			Help: "position (physical ms of the last commit ts received) of each pump",
		}, []string{"nodeID"}),
		reachDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "binlog_reach_duration_time",
			Help:    "Bucketed histogram of the time (s) from a binlog's commit to its arrival at the drainer",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 20),
		}, []string{"nodeID"}),
		readBinlogSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "read_binlog_size",
			Help:    "Bucketed histogram of the size of the binlogs read from each pump",
			Buckets: prometheus.ExponentialBuckets(16, 2, 25),
		}, []string{"nodeID"}),
		disorder: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "disorder_binlog_count",
			Help: "binlogs dropped by the merge because their commit ts was below the last emitted one",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "error_count",
			Help: "Total count of errors by type",
		}, []string{"type"}),
	}
	if reg != nil {
		m.pumpPosition = register(reg, m.pumpPosition)
		m.reachDuration = register(reg, m.reachDuration)
		m.readBinlogSize = register(reg, m.readBinlogSize)
		m.disorder = register(reg, m.disorder)
		m.errors = register(reg, m.errors)
	}
	return m
}

// register registers c, or returns the identical collector already
// registered (the syncer counts in binlog_drainer_error_count too).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}
