package file

import (
	"fmt"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"go.uber.org/zap"
)

// write is the writer goroutine: it takes a group of queued entries,
// writes them, fsyncs, and reports them in order.
func (s *Sink) write() {
	defer s.wg.Done()
	defer close(s.successes)
	defer close(s.done)
	group := make([]*sink.Item, 0, inputSize)
	for e := range s.input {
		var err error
		if group, err = s.writeGroup(group[:0], e); err != nil {
			s.fail(err)
			return
		}
		for _, it := range group {
			s.successes <- it
		}
		clear(group)
	}
}

// writeGroup writes first and whatever else is queued (up to
// maxGroupBytes) and fsyncs once; it returns the group's items in order.
func (s *Sink) writeGroup(group []*sink.Item, first entry) ([]*sink.Item, error) {
	group = append(group, first.item)
	size := len(first.payload)
	if err := s.writeEntry(first); err != nil {
		return nil, err
	}
	for size < maxGroupBytes {
		next, more := s.poll()
		if !more {
			break
		}
		group = append(group, next.item)
		size += len(next.payload)
		if err := s.writeEntry(next); err != nil {
			return nil, err
		}
	}
	if size > 0 {
		if err := s.bl.Sync(); err != nil {
			return nil, fmt.Errorf("file sink: %w", err)
		}
	}
	return group, nil
}

// poll returns a queued entry without waiting.
func (s *Sink) poll() (entry, bool) {
	select {
	case e, ok := <-s.input:
		return e, ok
	default:
		return entry{}, false
	}
}

func (s *Sink) writeEntry(e entry) error {
	if len(e.payload) == 0 {
		return nil
	}
	if err := s.bl.WriteTail(e.payload); err != nil {
		return fmt.Errorf("file sink: write commit ts %d: %w", e.item.CommitTS(), err)
	}
	return nil
}

// fail records the error, reports it once and drops what is still queued
// (nothing after a failure is reported as a success).
func (s *Sink) fail(err error) {
	s.lg.Error("writing binlog files failed", zap.Error(err))
	s.err = err
	s.errc <- err
}
