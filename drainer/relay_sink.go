package drainer

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/relay"
	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
)

// relaySink writes every item to the relay log (fsynced) before handing it
// to the sink, and removes the relay files the sink has applied (SPEC 5.8).
type relaySink struct {
	inner   sink.Sink
	relayer *relay.Relayer
	tables  translator.TableInfoGetter
	loc     *time.Location

	succ chan *sink.Item
	done chan struct{}

	mu  sync.Mutex
	pos []binlogfile.Pos // relay position after each pending item
}

var (
	_ sink.Sink           = (*relaySink)(nil)
	_ sink.SafeModeSetter = (*relaySink)(nil)
)

func newRelaySink(inner sink.Sink, r *relay.Relayer, tables translator.TableInfoGetter, loc *time.Location) *relaySink {
	s := &relaySink{inner: inner, relayer: r, tables: tables, loc: loc,
		succ: make(chan *sink.Item, 1024), done: make(chan struct{})}
	go s.forward()
	return s
}

func (s *relaySink) forward() {
	defer close(s.done)
	defer close(s.succ)
	for it := range s.inner.Successes() {
		s.mu.Lock()
		var pos binlogfile.Pos
		if len(s.pos) > 0 {
			pos, s.pos = s.pos[0], s.pos[1:]
		}
		s.mu.Unlock()
		if pos != (binlogfile.Pos{}) {
			s.relayer.GCBinlog(pos)
		}
		s.succ <- it
	}
}

// Sync appends the item to the relay log, fsyncs it, then hands it on.
func (s *relaySink) Sync(item *sink.Item) error {
	var pos binlogfile.Pos
	if !item.ShouldSkip {
		b, err := translator.TiBinlogToSecondaryBinlog(s.tables, item.Schema, item.Table, item.Binlog,
			item.PrewriteValue, s.loc)
		if err != nil {
			return fmt.Errorf("relay: translate commit ts %d: %w", item.CommitTS(), err)
		}
		if pos, err = s.relayer.WriteBinlog(b); err != nil {
			return err
		}
		if err := s.relayer.Sync(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.pos = append(s.pos, pos)
	s.mu.Unlock()
	return s.inner.Sync(item)
}

func (s *relaySink) Successes() <-chan *sink.Item { return s.succ }
func (s *relaySink) Error() <-chan error          { return s.inner.Error() }

func (s *relaySink) SetSafeMode(on bool) {
	if sm, ok := s.inner.(sink.SafeModeSetter); ok {
		sm.SetSafeMode(on)
	}
}

// Close closes the sink, then the relay log.
func (s *relaySink) Close() error {
	err := s.inner.Close()
	<-s.done
	return errors.Join(err, s.relayer.Close())
}
