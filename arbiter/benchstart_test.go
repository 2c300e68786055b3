package arbiter

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// BenchmarkArbiterRestart: the start-up of an arbiter restarted on the
// workload's topic with its checkpoint in the middle (saved by a clean
// exit): connection, checkpoint table, the binary search of the start
// offset. startup-ms is from Run to reading; probes is the search's.
func BenchmarkArbiterRestart(b *testing.B) {
	maxBenchN(b)
	b.StopTimer()
	br, err := startBroker(true)
	if err != nil {
		b.Fatal(err)
	}
	defer br.close()
	d := newBenchDB(b)
	benchProduce(b, br.addr, benchBinlogs(d.schema, benchTxns))
	var startup time.Duration
	var probes int64
	for range b.N {
		d.reset(b)
		cp, err := NewCheckpoint(context.Background(), d.db, d.schema+"_cp", topic)
		if err != nil {
			b.Fatal(err)
		}
		if err := cp.Save(context.Background(), benchTS(benchTxns/2), StatusNormal); err != nil {
			b.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.Up.KafkaAddrs, cfg.Up.Topic, cfg.Down.Host = br.addr, topic, "127.0.0.1"
		core, logs := observer.New(zapcore.InfoLevel)
		a, err := New(cfg, Deps{Logger: zap.New(core), CheckpointSchema: d.schema + "_cp"})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		began := time.Now()
		go func() { done <- a.Run(ctx) }()
		for logs.FilterMessage("reading").Len() == 0 {
			select {
			case err := <-done:
				b.Fatalf("arbiter stopped: %v", err)
			case <-time.After(time.Millisecond):
			}
		}
		b.StopTimer()
		startup += logs.FilterMessage("reading").All()[0].Time.Sub(began)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		found := logs.FilterMessage("found start offset").All()
		if len(found) != 1 || found[0].ContextMap()["offset"] != int64(benchTxns/2+1) {
			b.Fatalf("start offset: %v", found)
		}
		probes += found[0].ContextMap()["probes"].(int64)
	}
	b.ReportMetric(float64(startup.Milliseconds())/float64(b.N), "startup-ms")
	b.ReportMetric(float64(probes)/float64(b.N), "probes")
}
