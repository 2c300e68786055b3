package pumpclient

import (
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

func TestMain(m *testing.M) {
	// The PD client library logs to stdout through a process-wide logger.
	pd.SetClientLogger(zap.NewNop())
	goleak.VerifyTestMain(m,
		// Started by the in-process pumps' storage: goleveldb's memory-pool
		// drainer lingers up to 1 s after its DB is closed.
		goleak.IgnoreTopFunction("github.com/syndtr/goleveldb/leveldb.(*DB).mpoolDrain"),
	)
}
