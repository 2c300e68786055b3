package loader

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the drainer metrics the loader feeds (SPEC 11): events by
// type, query durations by type and the worker queue sizes.
type metrics struct {
	events     *prometheus.CounterVec
	queries    *prometheus.HistogramVec
	queueSizes *prometheus.GaugeVec

	exec, commit, mark prometheus.Observer
	insert, update     prometheus.Counter
	del, ddl           prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "event",
			Help: "the count of sql event(dml, ddl)",
		}, []string{"type"}),
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "query_duration_time",
			Help:    "Bucketed histogram of processing time (s) of a query to sync data to downstream.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 20),
		}, []string{"type"}),
		queueSizes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "binlog", Subsystem: "drainer", Name: "queue_size",
			Help: "the size of queue",
		}, []string{"name"}),
	}
	if reg != nil {
		m.events = registerOrReuse(reg, m.events)
		m.queries = registerOrReuse(reg, m.queries)
		m.queueSizes = registerOrReuse(reg, m.queueSizes)
	}
	m.exec = m.queries.WithLabelValues("exec")
	m.commit = m.queries.WithLabelValues("commit")
	m.mark = m.queries.WithLabelValues("update_mark_table")
	m.insert = m.events.WithLabelValues("Insert")
	m.update = m.events.WithLabelValues("Update")
	m.del = m.events.WithLabelValues("Delete")
	m.ddl = m.events.WithLabelValues("DDL")
	return m
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

func (m *metrics) observeQuery(tp string, d time.Duration) {
	switch tp {
	case "exec":
		m.exec.Observe(d.Seconds())
	case "commit":
		m.commit.Observe(d.Seconds())
	default:
		m.mark.Observe(d.Seconds())
	}
}

func (m *metrics) event(tp string) {
	if tp == "DDL" {
		m.ddl.Inc()
	}
}

func (m *metrics) dmlEvent(tp DMLType) {
	switch tp {
	case InsertDMLType:
		m.insert.Inc()
	case UpdateDMLType:
		m.update.Inc()
	case DeleteDMLType:
		m.del.Inc()
	}
}
