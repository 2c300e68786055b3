package reparo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// readAhead is the number of binlogs read and translated ahead of the
// destination.
const readAhead = 256

// txnSyncer is implemented by destinations that take a binlog already
// translated into a loader transaction (translated while the previous ones
// are applied).
type txnSyncer interface {
	SyncTxn(ctx context.Context, b *filepb.Binlog, txn *loader.Txn) error
}

// prepared is a binlog to hand over, with its translation when the
// destination takes one.
type prepared struct {
	b   *filepb.Binlog
	txn *loader.Txn
}

// copy hands every record in range, past skipTS and not filtered out, to
// the destination: one goroutine reads, filters and translates ahead while
// this one hands over.
func (r *Reparo) copy(ctx context.Context, src *source, dst destination, skipTS int64) error {
	ctx, cancel := context.WithCancel(ctx)
	ts, translate := dst.(txnSyncer)
	out := make(chan prepared, readAhead)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		errc <- r.produce(ctx, src, skipTS, translate, out)
	}()
	// The reader is done with src when copy returns.
	defer func() {
		cancel()
		for range out {
		}
	}()
	for p := range out {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.res.reserve(ctx, p.b.GetCommitTs()); err != nil {
			return err
		}
		var err error
		if translate {
			err = ts.SyncTxn(ctx, p.b, p.txn)
		} else {
			err = dst.Sync(ctx, p.b)
		}
		if err != nil {
			return err
		}
	}
	if err := <-errc; err != nil {
		return err
	}
	return ctx.Err()
}

// produce reads the records, drops what is out of the run, filters and
// (when translate) translates the rest, and sends them to out.
func (r *Reparo) produce(ctx context.Context, src *source, skipTS int64, translate bool, out chan<- prepared) error {
	tr := newTranslatorIn(r.loc)
	tr.aliasText = true // the source's binlogs are read, never written
	for {
		rec, err := src.Next()
		r.prog.read(src.FilesDone(), src.BytesDone())
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		b := rec.Binlog
		if b.GetCommitTs() <= skipTS {
			continue
		}
		keep, err := filterBinlog(r.filter, b)
		if err != nil {
			return fmt.Errorf("%s at offset %d: %w", rec.File, rec.Offset, err)
		}
		if !keep {
			continue
		}
		p := prepared{b: b}
		if translate {
			if p.txn, err = tr.binlogToTxn(b); err != nil {
				return fmt.Errorf("translate binlog at commit ts %d (%s at offset %d): %w", b.GetCommitTs(), rec.File, rec.Offset, err)
			}
		}
		select {
		case out <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
