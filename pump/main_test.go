package pump

import (
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

func TestMain(m *testing.M) {
	// The PD client library logs to stdout through a process-wide logger.
	pd.SetClientLogger(zap.NewNop())
	// Every buffer gRPC gives back to the pump's pool is overwritten: a
	// payload that still aliased one would be caught by any test reading
	// it back.
	grpcBuffers.poison.Store(true)
	goleak.VerifyTestMain(m,
		// goleveldb's memory-pool drainer only notices a closed DB on its
		// next 30 s tick; the storage closes its DB correctly.
		goleak.IgnoreTopFunction("github.com/syndtr/goleveldb/leveldb.(*DB).mpoolDrain"),
	)
}
