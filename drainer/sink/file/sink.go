package file

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// ErrClosed is returned by Sync after Close or after the sink failed.
var ErrClosed = errors.New("file sink: closed")

// Defaults of Config.
const (
	DefaultGCInterval = time.Hour
	// maxGroupBytes bounds the payload bytes written between two fsyncs.
	maxGroupBytes = 8 << 20
	// inputSize is how many translated items may wait for the writer.
	inputSize = 64
)

// Config configures the file sink.
type Config struct {
	// Dir is the output directory ([syncer.to] dir; the drainer's data-dir
	// by default).
	Dir string
	// Retention is [syncer.to] retention-time (days in the TOML); files
	// modified longer ago are removed. 0 never removes anything.
	Retention time.Duration
	// GCInterval is how often old files are looked for (0: hourly).
	GCInterval time.Duration
	// MaxFileSize rotates files (0: 512 MiB).
	MaxFileSize int64
	// Location is the zone of TIMESTAMP values (nil: time.Local, like the
	// original).
	Location   *time.Location
	Logger     *zap.Logger           // nil: no logging
	Registerer prometheus.Registerer // binlog_binlogfile_* metrics
}

// entry is one item on its way to the writer; payload is nil for an item
// that is reported without being written.
type entry struct {
	item    *sink.Item
	payload []byte
}

// appender is what the sink uses of *binlogfile.Binlogger.
type appender interface {
	WriteTail(payload []byte) error
	Sync() error
	GC(retention time.Duration) ([]string, error)
	Close() error
}

var _ appender = (*binlogfile.Binlogger)(nil)

// Sink writes items to binlog files.
type Sink struct {
	bl     appender
	tables translator.TableInfoGetter
	cfg    Config
	lg     *zap.Logger

	input     chan entry
	successes chan *sink.Item
	errc      chan error
	done      chan struct{} // closed when the writer returned
	stopGC    chan struct{}
	wg        sync.WaitGroup

	sendMu sync.RWMutex // held for reading while Sync sends to input
	closed bool
	err    error // why the writer stopped; set before done is closed
}

var _ sink.Sink = (*Sink)(nil)

// New opens (and locks) the output directory and starts the writer and
// the GC loop. tables resolves table ids (the drainer's schema).
func New(cfg Config, tables translator.TableInfoGetter) (*Sink, error) {
	if cfg.Dir == "" {
		return nil, errors.New("file sink: no output directory")
	}
	if cfg.GCInterval <= 0 {
		cfg.GCInterval = DefaultGCInterval
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "fileSink"))
	bl, err := binlogfile.OpenBinlogger(cfg.Dir, binlogfile.Options{
		MaxFileSize: cfg.MaxFileSize, Logger: lg, Registerer: cfg.Registerer,
	})
	if err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	return start(bl, tables, cfg, lg), nil
}

func start(bl appender, tables translator.TableInfoGetter, cfg Config, lg *zap.Logger) *Sink {
	s := &Sink{
		bl: bl, tables: tables, cfg: cfg, lg: lg,
		input:     make(chan entry, inputSize),
		successes: make(chan *sink.Item, 1024),
		errc:      make(chan error, 1),
		done:      make(chan struct{}),
		stopGC:    make(chan struct{}),
	}
	s.wg.Add(2)
	go s.write()
	go s.gcLoop()
	return s
}

// Sync translates and marshals the item and queues it for the writer; it
// blocks while the queue is full.
func (s *Sink) Sync(item *sink.Item) error {
	e, err := s.encode(item)
	if err != nil {
		return err
	}
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.input <- e:
		return nil
	case <-s.done:
		return ErrClosed
	}
}

// encode returns the item's entry: no payload for a fake binlog or a
// skipped DDL.
func (s *Sink) encode(item *sink.Item) (entry, error) {
	b := item.Binlog
	if b.GetStartTs() == b.GetCommitTs() || (item.IsDDL() && item.ShouldSkip) {
		return entry{item: item}, nil
	}
	pb, err := translator.TiBinlogToPbBinlog(s.tables, item.Schema, item.Table, b, item.PrewriteValue, s.cfg.Location)
	if err != nil {
		return entry{}, fmt.Errorf("file sink: translate commit ts %d: %w", item.CommitTS(), err)
	}
	payload, err := proto.Marshal(pb)
	if err != nil {
		return entry{}, fmt.Errorf("file sink: marshal commit ts %d: %w", item.CommitTS(), err)
	}
	return entry{item: item, payload: payload}, nil
}

// Successes implements sink.Sink.
func (s *Sink) Successes() <-chan *sink.Item { return s.successes }

// Error implements sink.Sink.
func (s *Sink) Error() <-chan error { return s.errc }

// Close writes and reports what Sync queued, stops the GC loop and closes
// the files. Successes is closed once every success was delivered, so the
// caller must keep draining it until then.
func (s *Sink) Close() error {
	s.sendMu.Lock()
	if s.closed {
		s.sendMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.input)
	s.sendMu.Unlock()
	<-s.done
	close(s.stopGC)
	s.wg.Wait()
	err := s.err
	if cerr := s.bl.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("file sink: %w", cerr)
	}
	return err
}

// gcLoop removes old files at start and then every GCInterval.
func (s *Sink) gcLoop() {
	defer s.wg.Done()
	if s.cfg.Retention <= 0 {
		return
	}
	t := time.NewTicker(s.cfg.GCInterval)
	defer t.Stop()
	for {
		if removed, err := s.bl.GC(s.cfg.Retention); err != nil {
			s.lg.Warn("remove old binlog files", zap.Error(err))
		} else if len(removed) > 0 {
			s.lg.Info("removed old binlog files", zap.Strings("files", removed))
		}
		select {
		case <-s.stopGC:
			return
		case <-t.C:
		}
	}
}
