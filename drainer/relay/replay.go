package relay

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// DecodeError: a relay frame whose payload is not a secondary binlog.
type DecodeError struct {
	File   string
	Offset int64
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("relay: undecodable binlog in %s at offset %d: %v", e.File, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Replay reads the relay directory dir in order and calls fn for each
// binlog whose commit ts is above both from and every commit ts passed to
// fn before. It returns the last commit ts passed to fn (from when none).
// An error of fn ends the replay with it.
func Replay(ctx context.Context, dir string, from int64, lg *zap.Logger, fn func(*secondarypb.Binlog) error) (int64, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "relay"))
	files, err := binlogfile.ReadDir(dir)
	if err != nil {
		return from, fmt.Errorf("relay: %w", err)
	}
	last := from
	for i, path := range files {
		last, err = replayFile(ctx, path, i == len(files)-1, last, lg, fn)
		if err != nil {
			return last, err
		}
	}
	lg.Info("relay log replayed", zap.String("dir", dir), zap.Int("files", len(files)),
		zap.Int64("from", from), zap.Int64("to", last))
	return last, nil
}

func replayFile(ctx context.Context, path string, newest bool, last int64, lg *zap.Logger,
	fn func(*secondarypb.Binlog) error) (int64, error) {
	r := binlogfile.NewReader(path, 0, lg)
	defer func() { _ = r.Close() }()
	for {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		payload, next, err := r.Next()
		if errors.Is(err, io.EOF) {
			if torn := r.TornTail(); torn != nil {
				if !newest {
					return last, fmt.Errorf("relay: torn tail before the newest file: %w", torn)
				}
				lg.Warn("relay log ends with an incomplete binlog, ignored", zap.Error(torn))
			}
			return last, nil
		}
		if err != nil {
			return last, fmt.Errorf("relay: read %s: %w", path, err)
		}
		b := new(secondarypb.Binlog)
		if err := proto.Unmarshal(payload, b); err != nil {
			return last, &DecodeError{File: path, Offset: next - frameOverhead - int64(len(payload)), Err: err}
		}
		if b.GetCommitTs() <= last {
			continue
		}
		if err := fn(b); err != nil {
			return last, err
		}
		last = b.GetCommitTs()
	}
}

// frameOverhead is the bytes of a frame besides its payload (magic,
// length, crc).
const frameOverhead = 4 + 8 + 4
