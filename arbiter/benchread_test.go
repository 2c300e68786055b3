package arbiter

import (
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
)

// BenchmarkReadRows: the part of BenchmarkArbiterRows that pkg/loader
// alone does not do, without MariaDB: read the workload from a broker in a
// child process through kafkareader (default buffers) and turn each
// message into a loader transaction, with the arbiter's decoder (wire) or
// with proto.Unmarshal and loader.SecondaryBinlogToTxn (proto). Run with
// -benchtime 1x.
func BenchmarkReadRows(b *testing.B) {
	for _, raw := range []bool{true, false} {
		name := "decoder=wire"
		if !raw {
			name = "decoder=proto"
		}
		b.Run(name, func(b *testing.B) { benchRead(b, raw) })
	}
}

func benchRead(b *testing.B, raw bool) {
	maxBenchN(b)
	b.StopTimer()
	br, err := startBroker(true)
	if err != nil {
		b.Fatal(err)
	}
	defer br.close()
	benchProduce(b, br.addr, benchBinlogs("bench", benchTxns))
	var u usage
	for range b.N {
		stop := measure(b, br, &u)
		rd, err := kafkareader.NewReader(kafkareader.Config{KafkaAddrs: []string{br.addr}, Topic: topic, Raw: raw})
		if err != nil {
			b.Fatal(err)
		}
		dec := newDecoder()
		rows := 0
		for rows < benchRows {
			select {
			case m := <-rd.Messages():
				var txn *loader.Txn
				if raw {
					txn, err = dec.txn(m.Raw)
				} else {
					txn, err = loader.SecondaryBinlogToTxn(m.Binlog)
				}
				if err != nil {
					b.Fatal(err)
				}
				rows += len(txn.DMLs)
			case err := <-rd.Error():
				b.Fatal(err)
			}
		}
		rd.Close()
		stop()
	}
	u.report(b)
	b.ReportMetric(float64(u.broker.Microseconds())/float64(b.N*benchRows), "broker-cpu-µs/row")
}
