package drainer

import (
	"errors"

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
}

func newMetrics(reg prometheus.Registerer) *metrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "binlog", Subsystem: "drainer", Name: name, Help: help}
	}
	m := &metrics{
		ddlJobs: prometheus.NewCounter(prometheus.CounterOpts(opts("ddl_jobs_total", "Total count of DDL jobs replicated."))),
		// error_count, event and queue_size are shared with the collector
		// and the loader: same help, registered once, reused.
		errors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("error_count", "Total count of errors by type")),
			[]string{"type"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts(opts("event", "the count of sql event(dml, ddl)")),
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
		queueSize: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("queue_size", "the size of queue")),
			[]string{"name"}),
	}
	if reg != nil {
		reg.MustRegister(m.ddlJobs, m.checkpointTSO, m.checkpointDelay, m.executeDuration)
		m.errors = registerOrReuse(reg, m.errors)
		m.events = registerOrReuse(reg, m.events)
		m.queueSize = registerOrReuse(reg, m.queueSize)
	}
	return m
}

// registerOrReuse registers c, or returns the identical collector another
// package of the drainer registered first.
func registerOrReuse[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}
