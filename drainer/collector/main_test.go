package collector

import (
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	// The PD client library logs to stdout through a process-wide logger.
	pd.SetClientLogger(zap.NewNop())
	goleak.VerifyTestMain(m,
		// goleveldb's memory-pool drainer only notices a closed DB on its
		// next 30 s tick (the real pumps' storage).
		goleak.IgnoreTopFunction("github.com/syndtr/goleveldb/leveldb.(*DB).mpoolDrain"),
	)
}
