package relay

import (
	"context"
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"go.uber.org/zap"
)

// Checkpoint is what Recover uses of drainer/checkpoint.CheckPoint.
type Checkpoint interface {
	TS() int64
	SchemaVersion() int64
	IsConsistent() bool
	Save(ts, secondaryTS int64, consistent bool, version int64) error
}

// Loader is what Recover uses of *loader.Loader.
type Loader interface {
	Input() chan<- *loader.Txn
	Successes() <-chan *loader.Txn
	SetSafeMode(bool)
	Run(ctx context.Context) error
}

var _ Loader = (*loader.Loader)(nil)

// Recover brings the downstream to a consistent state from the relay log
// in dir (SPEC 5.8): when the checkpoint is not consistent, it applies
// every relay binlog after the checkpoint through ld in safe mode, waits
// until all are applied, and saves the checkpoint as consistent at the
// last one. It returns the checkpoint ts. ld must be fresh: Recover runs it
// and closes its input.
func Recover(ctx context.Context, dir string, cp Checkpoint, ld Loader, lg *zap.Logger) (int64, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "relay"))
	if cp.IsConsistent() {
		lg.Info("checkpoint is consistent, nothing to recover", zap.Int64("commitTS", cp.TS()))
		return cp.TS(), nil
	}
	ld.SetSafeMode(true)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var runErr error
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		runErr = ld.Run(ctx)
	}()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range ld.Successes() {
		}
	}()
	last, err := Replay(ctx, dir, cp.TS(), lg, func(b *secondarypb.Binlog) error {
		txn, err := loader.SecondaryBinlogToTxn(b)
		if err != nil {
			return err
		}
		select {
		case ld.Input() <- txn:
			return nil
		case <-runDone:
			return fmt.Errorf("relay: loader stopped at commit ts %d: %w", b.GetCommitTs(), runErr)
		}
	})
	close(ld.Input())
	if err != nil {
		cancel()
	}
	<-runDone
	<-drained
	if err == nil && runErr != nil {
		err = fmt.Errorf("relay: apply: %w", runErr)
	}
	if err != nil {
		return cp.TS(), err
	}
	if err := cp.Save(last, 0, true, cp.SchemaVersion()); err != nil {
		return cp.TS(), fmt.Errorf("relay: save consistent checkpoint at %d: %w", last, err)
	}
	lg.Info("downstream consistent after applying the relay log", zap.Int64("commitTS", last))
	return last, nil
}
