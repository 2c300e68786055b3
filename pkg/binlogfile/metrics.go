package binlogfile

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metricLabel is the label value the original uses for local files.
const metricLabel = "local"

// Metrics are the binlog_binlogfile_* metrics of SPEC 11, shared by the
// writers and readers built with the same registerer.
type Metrics struct {
	writeSize      prometheus.Observer
	writeDuration  prometheus.Observer
	readDuration   prometheus.Observer
	corruptionHits prometheus.Counter
}

// NewMetrics builds the metrics and registers them with reg (nil: not
// registered). Collectors already registered on reg by an earlier call are
// reused, so every Binlogger and Reader of a process can call it.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	writeSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "binlog", Subsystem: "binlogfile", Name: "write_binlog_size",
		Help:    "write binlog size",
		Buckets: prometheus.ExponentialBuckets(16, 2, 20),
	}, []string{"label"})
	writeDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "binlog", Subsystem: "binlogfile", Name: "write_binlog_duration_time",
		Help:    "Bucketed histogram of write time (s) of a binlog.",
		Buckets: prometheus.ExponentialBuckets(0.00005, 2, 18),
	}, []string{"label"})
	readDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "binlog", Subsystem: "binlogfile", Name: "read_binlog_duration_time",
		Help:    "Bucketed histogram of read time (s) of a binlog.",
		Buckets: prometheus.ExponentialBuckets(0.00005, 2, 18),
	}, []string{"label"})
	corruption := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "binlog", Subsystem: "binlogfile", Name: "corruption_binlog_count",
		Help: "corruption binlog count",
	})
	if reg != nil {
		writeSize = registerOrReuse(reg, writeSize)
		writeDuration = registerOrReuse(reg, writeDuration)
		readDuration = registerOrReuse(reg, readDuration)
		corruption = registerOrReuse(reg, corruption)
	}
	return &Metrics{
		writeSize:      writeSize.WithLabelValues(metricLabel),
		writeDuration:  writeDuration.WithLabelValues(metricLabel),
		readDuration:   readDuration.WithLabelValues(metricLabel),
		corruptionHits: corruption,
	}
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
