package pump

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics of the pump server (SPEC 11), registered on an injected registerer.
type metrics struct {
	rpcDuration  *prometheus.HistogramVec
	lossBinlog   prometheus.Counter
	drainerPurge *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		rpcDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "binlog",
			Subsystem: "pump",
			Name:      "rpc_duration_seconds",
			Help:      "Bucketed histogram of processing time (s) of rpc queries.",
			Buckets:   prometheus.ExponentialBuckets(0.00005, 2, 18),
		}, []string{"method", "label"}),
		lossBinlog: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "binlog",
			Subsystem: "pump",
			Name:      "loss_binlog_count",
			Help:      "Total loss binlog count",
		}),
		// The original defines but never registers this one; we register it
		// so that a drainer falling behind the GC point is visible.
		drainerPurge: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "binlog",
			Subsystem: "pump",
			Name:      "detected_drainer_binlog_purge_count",
			Help:      "binlogs purged by GC before a non-offline drainer consumed them, counted per check",
		}, []string{"id"}),
	}
	if reg != nil {
		reg.MustRegister(m.rpcDuration, m.lossBinlog, m.drainerPurge)
	}
	return m
}

// newProcessRegistry returns a registry with the process and Go collectors.
func newProcessRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	return reg
}
