package file

import (
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"google.golang.org/protobuf/proto"
)

// BenchmarkSync writes the golden full-row insert of t_all (17 columns)
// through the sink, fsync per group included.
func BenchmarkSync(b *testing.B) {
	_, tbls, items := loadGolden(b)
	dml := items[1]
	s, err := New(Config{Dir: b.TempDir(), Location: time.UTC}, tbls)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan int)
	go func() {
		n := 0
		for range s.Successes() {
			n++
		}
		done <- n
	}()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		it := &sink.Item{Binlog: proto.Clone(dml.Binlog).(*binlogpb.Binlog), PrewriteValue: dml.PrewriteValue}
		if err := s.Sync(it); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if got := <-done; got != n {
		b.Fatalf("%d of %d successes", got, n)
	}
}
