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
	for {
		e, ok := <-s.input
		if !ok {
			return
		}
		group = append(group[:0], e.item)
		written := len(e.payload) > 0
		err := s.writeEntry(e)
		for size := len(e.payload); err == nil && size < maxGroupBytes; {
			next, more := s.poll()
			if !more {
				break
			}
			group = append(group, next.item)
			written = written || len(next.payload) > 0
			size += len(next.payload)
			err = s.writeEntry(next)
		}
		if err == nil && written {
			err = s.bl.Sync()
		}
		if err != nil {
			s.fail(err)
			return
		}
		for _, it := range group {
			s.successes <- it
		}
		clear(group)
	}
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
