package testcluster

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// BinlogWriter writes row transactions to the pumps as TiDB does: a
// start_ts from PD's TSO, the prewrite binlog through pkg/pumpclient, a
// commit_ts from the TSO, then the commit binlog to the same pump.
// It is safe for concurrent use.
type BinlogWriter struct {
	pd    *pd.Client
	pumps *pumpclient.PumpsClient
}

// NewBinlogWriter connects to pd-lite (TSO) and to the pumps it lists.
func NewBinlogWriter(ctx context.Context, pdURL string) (*BinlogWriter, error) {
	pdc, err := pd.NewClient(ctx, []string{pdURL}, security.Config{}, zap.NewNop())
	if err != nil {
		return nil, fmt.Errorf("connect pd-lite: %w", err)
	}
	pc, err := pumpclient.NewPumpsClient(pdURL, "range", 15*time.Second, security.Config{},
		pumpclient.WithLogger(zap.NewNop()))
	if err != nil {
		pdc.Close()
		return nil, fmt.Errorf("pump client: %w", err)
	}
	return &BinlogWriter{pd: pdc, pumps: pc}, nil
}

// Close closes the pump client and the PD client.
func (w *BinlogWriter) Close() {
	w.pumps.Close()
	w.pd.Close()
}

// TSO returns a fresh timestamp.
func (w *BinlogWriter) TSO(ctx context.Context) (int64, error) {
	ts, err := w.pd.TSO(ctx)
	if err != nil {
		return 0, fmt.Errorf("tso: %w", err)
	}
	return ts, nil
}

// Write commits x: prewrite, then commit. It returns the commit_ts.
func (w *BinlogWriter) Write(ctx context.Context, x *RowTxn) (int64, error) {
	startTS, err := w.TSO(ctx)
	if err != nil {
		return 0, err
	}
	p, err := x.Prewrite(startTS)
	if err != nil {
		return 0, err
	}
	if err := w.pumps.WriteBinlog(p); err != nil {
		return 0, fmt.Errorf("write prewrite binlog of start ts %d: %w", startTS, err)
	}
	commitTS, err := w.TSO(ctx)
	if err != nil {
		return 0, err
	}
	c := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, startTS, commitTS)
	c.PrewriteKey = p.PrewriteKey
	// pumpclient never fails a commit binlog: it retries, then leaves the
	// transaction to the pump's resolver, as TiDB does.
	if err := w.pumps.WriteBinlog(c); err != nil {
		return 0, fmt.Errorf("write commit binlog of start ts %d: %w", startTS, err)
	}
	return commitTS, nil
}
