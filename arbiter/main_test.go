package arbiter

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

func TestMain(m *testing.M) {
	if os.Getenv(brokerEnv) == "1" {
		runChildBroker()
	}
	kafkareader.RaiseSaramaLimits()
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}
