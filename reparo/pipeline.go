package reparo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// The reader hands binlogs over in batches of handOffBatch, up to
// readAhead binlogs read and translated ahead of the destination. One by
// one, every binlog taken from a full channel woke the reader for the next
// one: a goroutine switch per binlog.
const (
	readAhead    = 256
	handOffBatch = 16
)

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
	out := make(chan []prepared, readAhead/handOffBatch)
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
	for batch := range out {
		for _, p := range batch {
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
	}
	if err := <-errc; err != nil {
		return err
	}
	return ctx.Err()
}

// produce reads the records, drops what is out of the run, filters and
// (when translate) translates the rest, and sends them to out in batches.
func (r *Reparo) produce(ctx context.Context, src *source, skipTS int64, translate bool, out chan<- []prepared) error {
	tr := newTranslatorIn(r.loc)
	tr.aliasText = true // the source's binlogs are read, never written
	batch := make([]prepared, 0, handOffBatch)
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case out <- batch:
			batch = make([]prepared, 0, handOffBatch)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		p, err := r.next(src, skipTS, translate, tr)
		if errors.Is(err, io.EOF) {
			return send()
		}
		if err != nil {
			// What was read before the error is handed over first.
			return errors.Join(send(), err)
		}
		if p.b == nil {
			continue
		}
		if batch = append(batch, p); len(batch) == cap(batch) {
			if err := send(); err != nil {
				return err
			}
		}
	}
}

// next reads the next record and returns it prepared, or a zero prepared
// when it is not to be handed over.
func (r *Reparo) next(src *source, skipTS int64, translate bool, tr *translator) (prepared, error) {
	rec, err := src.Next()
	r.prog.read(src.FilesDone(), src.BytesDone())
	if err != nil {
		return prepared{}, err
	}
	b := rec.Binlog
	if b.GetCommitTs() <= skipTS {
		return prepared{}, nil
	}
	keep, err := filterBinlog(r.filter, b)
	if err != nil {
		return prepared{}, fmt.Errorf("%s at offset %d: %w", rec.File, rec.Offset, err)
	}
	if !keep {
		return prepared{}, nil
	}
	p := prepared{b: b}
	if translate {
		if p.txn, err = tr.binlogToTxn(b); err != nil {
			return prepared{}, fmt.Errorf("translate binlog at commit ts %d (%s at offset %d): %w", b.GetCommitTs(), rec.File, rec.Offset, err)
		}
	}
	return p, nil
}
