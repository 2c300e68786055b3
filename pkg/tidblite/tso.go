package tidblite

import (
	"context"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

// tsoSource hands out timestamps (*pd.Client with PD).
type tsoSource interface {
	TSO(ctx context.Context) (int64, error)
}

var _ tsoSource = (*pd.Client)(nil)

// localTSO is the TSO of a standalone server: the clock in PD's layout,
// strictly increasing.
type localTSO struct {
	now func() time.Time

	mu   sync.Mutex
	last int64
}

var _ tsoSource = (*localTSO)(nil)

func (l *localTSO) TSO(context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := pd.ComposeTS(l.now().UnixMilli(), 0)
	if ts <= l.last {
		ts = l.last + 1
	}
	l.last = ts
	return ts, nil
}
