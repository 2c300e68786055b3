package kafkareader

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	RaiseSaramaLimits()
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"))
}
