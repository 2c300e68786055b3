package drainer

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the drainer daemon and its syncer (SPEC 11); the collector,
// the loader and the binlog files register their own.
type metrics struct {
	ddlJobs         prometheus.Counter
	errors          *prometheus.CounterVec
	events          *prometheus.CounterVec
	checkpointTSO   prometheus.Gauge
	checkpointDelay prometheus.Gauge
	executeDuration prometheus.Histogram
	queueSize       *prometheus.GaugeVec
	pumpPosition    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "binlog", Subsystem: "drainer", Name: name, Help: help}
	}
	m := &metrics{
		ddlJobs: prometheus.NewCounter(prometheus.CounterOpts(opts("ddl_jobs_total", "Total count of DDL jobs replicated."))),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("error_count", "Total count of errors by type.")),
			[]string{"type"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts(opts("event", "Events replicated by type.")),
			[]string{"type"}),
		checkpointTSO: prometheus.NewGauge(prometheus.GaugeOpts(opts("checkpoint_tso",
			"Physical milliseconds of the saved checkpoint commit ts."))),
		checkpointDelay: prometheus.NewGauge(prometheus.GaugeOpts(opts("checkpoint_delay_seconds",
			"Seconds between the checkpoint commit ts and now."))),
		executeDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "execute_duration_time",
			Help:    "Seconds from handing an item to the sink until it succeeded.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 20),
		}),
		queueSize: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("queue_size", "Items in a queue of the drainer.")),
			[]string{"name"}),
		pumpPosition: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("pump_position",
			"Physical milliseconds of the last commit ts received from each pump.")), []string{"nodeID"}),
	}
	if reg != nil {
		reg.MustRegister(m.ddlJobs, m.errors, m.events, m.checkpointTSO, m.checkpointDelay,
			m.executeDuration, m.queueSize, m.pumpPosition)
	}
	return m
}
