package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	lvlerrors "github.com/syndtr/goleveldb/leveldb/errors"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pump/internal/ratelog"
)

// Append is the pump storage engine: a value log for the binlogs, a
// goleveldb index, and a sorter that computes the watermark.
type Append struct {
	dir   string
	opts  Options
	knobs knobs
	lg    *zap.Logger
	m     *metrics

	lock *os.File
	vlog *valueLog
	db   *leveldb.DB

	mu     sync.RWMutex // guards closed
	closed bool
	wq     writeQueue

	kvq      *kvQueue
	chaser   *slowChaser
	sorter   *sorter
	sortLoop *sortLoop

	gcTS        atomic.Int64
	maxCommitTS atomic.Int64
	wmMu        sync.Mutex
	wmCh        chan struct{} // closed and replaced whenever the watermark moves
	noSpace     atomic.Bool
	// writeFailures logs failed value-log writes once per change (a failed
	// fdatasync fails every later write)
	writeFailures *ratelog.Failures
	gcWake        chan struct{}

	cancelResolve context.CancelFunc
	closing       chan struct{} // closed when Close starts
	stop          chan struct{} // closed when the pipeline has drained
	kvDone        chan struct{}
	bg            sync.WaitGroup // pullers, gc, space loops
}

// Open opens (or creates) the storage in dir: it takes the flock of
// <dir>/.lock (ErrLocked if held), opens <dir>/value and <dir>/kv, and
// re-feeds the records not yet indexed or not yet handled by the sorter.
func Open(dir string, opts Options) (*Append, error) {
	return openWithKnobs(dir, opts, defaultKnobs())
}

func openWithKnobs(dir string, opts Options, k knobs) (a *Append, err error) {
	opts = opts.adjust()
	a = &Append{dir: dir, opts: opts, knobs: k, m: newMetrics(opts.Registerer),
		lg:   opts.Logger.With(zap.String("component", "storage")),
		kvq:  newKVQueue(opts.KVChanCap),
		wmCh: make(chan struct{}), gcWake: make(chan struct{}, 1), closing: make(chan struct{}),
		stop: make(chan struct{}), kvDone: make(chan struct{})}
	if a.opts.AvailableSpace == nil {
		a.opts.AvailableSpace = func() (uint64, error) {
			_, avail, err := diskSpace(dir)
			return avail, err
		}
	}
	a.writeFailures = ratelog.New(a.lg, "write value log failed", time.Minute)
	valueDir := filepath.Join(dir, "value")
	if err := os.MkdirAll(valueDir, 0o755); err != nil {
		return nil, fmt.Errorf("create value dir: %w", err)
	}
	if a.lock, err = lockDir(filepath.Join(dir, ".lock")); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.abortOpen()
		}
	}()
	if a.vlog, err = openValueLog(valueDir, opts.ValueLogFileSize, opts.SyncLog, k.recentBytes, a.lg, a.m, a.reportCorruption); err != nil {
		return nil, err
	}
	a.vlog.cacheKeep = k.pageCacheKeep
	a.vlog.readFault = k.readFault
	if a.db, err = openKV(filepath.Join(dir, "kv"), opts.KV, a.lg); err != nil {
		return nil, err
	}
	if err = a.recover(); err != nil {
		return nil, err
	}
	a.start()
	return a, nil
}

func openKV(dir string, o KVOptions, lg *zap.Logger) (*leveldb.DB, error) {
	db, err := leveldb.OpenFile(dir, o.leveldb())
	if lvlerrors.IsCorrupted(err) {
		lg.Warn("kv store corrupted, recovering it", zap.Error(err))
		db, err = leveldb.RecoverFile(dir, o.leveldb())
	}
	if err != nil {
		return nil, fmt.Errorf("open kv store: %w", err)
	}
	return db, nil
}

func (a *Append) abortOpen() {
	if a.db != nil {
		_ = a.db.Close()
	}
	if a.vlog != nil {
		a.vlog.closeFiles()
	}
	_ = unlockDir(a.lock)
}

func (a *Append) reportCorruption(e *CorruptionError) {
	a.m.errRead.Inc()
	a.lg.Error("value log corruption, skipping damaged bytes", zap.String("file", e.File),
		zap.Int64("offset", e.Offset), zap.Error(e.Err))
}

// start launches the pipeline goroutines.
func (a *Append) start() {
	a.chaser = newSlowChaser(a.vlog, a.kvq, &a.wq.groupMu, a.knobs, a.lg, a.m)
	ctx, cancel := context.WithCancel(context.Background())
	a.cancelResolve = cancel
	go a.kvLoop()
	go a.sortLoop.run(ctx)
	go a.chaser.run()
	a.refreshSpace()
	a.bg.Add(2)
	go a.gcLoop()
	go a.spaceLoop()
}

// MaxCommitTS returns the watermark: every commit binlog at or below it is
// stored and indexed.
func (a *Append) MaxCommitTS() int64 { return a.maxCommitTS.Load() }

// AllMatched reports whether every prewrite seen has its commit or rollback.
func (a *Append) AllMatched() bool { return a.sorter.allMatched() }

func (a *Append) publish(ts int64) {
	a.maxCommitTS.Store(ts)
	a.m.maxCommitTS.Set(tsPhysical(ts))
	a.wmMu.Lock()
	old := a.wmCh
	a.wmCh = make(chan struct{})
	a.wmMu.Unlock()
	close(old)
	if a.knobs.afterPublish != nil {
		a.knobs.afterPublish(ts)
	}
}

// watermark returns the watermark and a channel closed when it moves again.
func (a *Append) watermark() (int64, <-chan struct{}) {
	a.wmMu.Lock()
	defer a.wmMu.Unlock()
	return a.maxCommitTS.Load(), a.wmCh
}

func (a *Append) isClosed() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.closed
}

// Close stops accepting writes, drains the pipeline (value log, KV, sorter),
// persists the state, stops the pull streams, finalizes the current value
// log file if it holds at least 50 KiB and releases the directory lock.
func (a *Append) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.closed = true
	a.mu.Unlock()
	close(a.closing)
	a.cancelResolve()
	a.closeQueue()
	a.chaser.finish(a.kvDone) // kvDone: the KV writer gave up
	a.kvq.close()
	<-a.kvDone
	<-a.sortLoop.done
	close(a.stop)
	a.bg.Wait()

	errs := []error{}
	if err := a.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close kv store: %w", err))
	}
	if err := a.vlog.close(a.knobs.finalizeOnCloseMin); err != nil {
		errs = append(errs, fmt.Errorf("close value log: %w", err))
	}
	if err := unlockDir(a.lock); err != nil {
		errs = append(errs, fmt.Errorf("unlock data dir: %w", err))
	}
	a.lg.Info("storage closed", zap.Int64("maxCommitTS", a.MaxCommitTS()))
	return errors.Join(errs...)
}
