package arbiter

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the arbiter's (SPEC 11), under binlog_arbiter_.
type metrics struct {
	checkpointTSO prometheus.Gauge
	queryDuration *prometheus.HistogramVec
	events        *prometheus.CounterVec
	queueSize     *prometheus.GaugeVec
	txnLatency    prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		checkpointTSO: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "binlog", Subsystem: "arbiter", Name: "checkpoint_tso",
			Help: "save checkpoint tso (physical milliseconds)",
		}),
		queryDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "arbiter", Name: "query_duration_time",
			Help:    "Bucketed histogram of processing time (s) of a query to the downstream.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 20),
		}, []string{"type"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "binlog", Subsystem: "arbiter", Name: "event",
			Help: "the count of sql events (Insert, Update, Delete, DDL)",
		}, []string{"type"}),
		queueSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "binlog", Subsystem: "arbiter", Name: "queue_size",
			Help: "the size of queue",
		}, []string{"name"}),
		txnLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "arbiter", Name: "txn_latency_seconds",
			Help:    "Bucketed histogram of the time from the upstream commit to the downstream apply.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 24),
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.checkpointTSO, m.queryDuration, m.events, m.queueSize, m.txnLatency} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
