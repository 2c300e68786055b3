package kafka

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
)

// benchmarkProduce produces b.N items of about size bytes to kfake and
// waits for every acknowledgement (messages/s and MB/s).
func benchmarkProduce(b *testing.B, size int) {
	c := newCluster(b, kfake.BlackholeProduce())
	defer c.Close()
	s, err := New(testConfig(c), nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	query := strings.Repeat("x", size)
	items := make([]*sink.Item, b.N)
	for i := range items {
		items[i] = ddlItem(int64(i+1), query, false)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			<-s.Successes()
		}
	}()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for _, it := range items {
		if err := s.Sync(it); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	closeSink(b, s)
}

func BenchmarkProduce1KiB(b *testing.B)   { benchmarkProduce(b, 1<<10) }
func BenchmarkProduce100KiB(b *testing.B) { benchmarkProduce(b, 100<<10) }
