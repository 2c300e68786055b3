package arbiter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
)

// Defaults of Deps.
const (
	DefaultSafeModeWindow = 5 * time.Minute
	DefaultSaveInterval   = time.Second
)

// Deps are what New needs besides the configuration.
type Deps struct {
	Logger     *zap.Logger           // nil: no logging
	Registerer prometheus.Registerer // nil: metrics not registered
	// DB is the downstream; nil opens [down] with loader.OpenDB (and Run
	// closes it).
	DB *sql.DB
	// CheckpointSchema holds arbiter_checkpoint ("" = tidb_binlog).
	CheckpointSchema string
	// SafeModeWindow is how long safe mode lasts after an unclean exit
	// (0 = 5 minutes).
	SafeModeWindow time.Duration
	// SaveInterval is the checkpoint period (0 = 1 s).
	SaveInterval time.Duration
}

// Arbiter replicates one topic into the downstream.
type Arbiter struct {
	cfg     *Config
	deps    Deps
	lg      *zap.Logger
	metrics *metrics

	finishTS atomic.Int64 // commit ts of the latest applied txn
}

// New checks the configuration; nothing is opened before Run.
func New(cfg *Config, deps Deps) (*Arbiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = zap.NewNop()
	}
	if deps.SafeModeWindow <= 0 {
		deps.SafeModeWindow = DefaultSafeModeWindow
	}
	if deps.SaveInterval <= 0 {
		deps.SaveInterval = DefaultSaveInterval
	}
	m, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, fmt.Errorf("arbiter: register metrics: %w", err)
	}
	return &Arbiter{cfg: cfg, deps: deps, lg: deps.Logger.With(zap.String("component", "arbiter")), metrics: m}, nil
}

// FinishTS is the commit ts of the latest applied transaction.
func (a *Arbiter) FinishTS() int64 { return a.finishTS.Load() }

// Run replicates until ctx is cancelled (a clean exit: what was read is
// applied and the checkpoint saved with status Normal, and Run returns nil)
// or a fatal error (the checkpoint keeps status Running).
func (a *Arbiter) Run(ctx context.Context) error {
	db := a.deps.DB
	if db == nil {
		var err error
		db, err = loader.OpenDB(loader.DBConfig{Host: a.cfg.Down.Host, Port: a.cfg.Down.Port,
			User: a.cfg.Down.User, Password: a.cfg.Down.Password})
		if err != nil {
			return fmt.Errorf("arbiter: open downstream %s:%d: %w", a.cfg.Down.Host, a.cfg.Down.Port, err)
		}
		defer db.Close()
	}
	cp, err := NewCheckpoint(ctx, db, a.deps.CheckpointSchema, a.cfg.Up.Topic)
	if err != nil {
		return err
	}
	start, unclean, err := a.loadStart(ctx, cp)
	if err != nil {
		return err
	}
	ld, err := a.newLoader(db, unclean)
	if err != nil {
		return err
	}
	if err := cp.Save(ctx, start, StatusRunning); err != nil {
		return err
	}
	rd, err := kafkareader.NewReader(kafkareader.Config{
		KafkaAddrs: a.cfg.KafkaAddrs(), Version: a.cfg.Up.KafkaVersion, Topic: a.cfg.Up.Topic, CommitTS: start,
		MessageBufferSize: a.cfg.Up.MessageBufferSize, SaramaBufferSize: a.cfg.Up.SaramaBufferSize, Logger: a.lg,
		Raw: true, // decoded by feed's decoder
	})
	if err != nil {
		return fmt.Errorf("arbiter: %w", err)
	}
	a.finishTS.Store(start)
	return a.replicate(ctx, cp, rd, ld, start)
}

// loadStart reads the checkpoint: the start ts and whether the last run
// exited uncleanly.
func (a *Arbiter) loadStart(ctx context.Context, cp *Checkpoint) (start int64, unclean bool, err error) {
	ts, status, found, err := cp.Load(ctx)
	if err != nil {
		return 0, false, err
	}
	start = a.cfg.Up.InitialCommitTS
	if found {
		start = ts
	}
	unclean = found && status == StatusRunning
	a.lg.Info("loaded checkpoint", zap.Bool("found", found), zap.Int64("commitTS", start),
		zap.Bool("uncleanExit", unclean))
	return start, unclean, nil
}

func (a *Arbiter) newLoader(db *sql.DB, unclean bool) (*loader.Loader, error) {
	opts := loader.DefaultOptions()
	opts.WorkerCount = a.cfg.Down.WorkerCount
	opts.BatchSize = a.cfg.Down.BatchSize
	opts.SafeMode = a.cfg.Down.SafeMode || unclean
	opts.Logger = a.lg
	ld, err := loader.New(db, opts)
	if err != nil {
		return nil, fmt.Errorf("arbiter: %w", err)
	}
	if unclean && !a.cfg.Down.SafeMode {
		a.lg.Info("the last run did not exit cleanly: safe mode for a while", zap.Duration("window", a.deps.SafeModeWindow))
	}
	return ld, nil
}

// replicate runs the loader, the feeder and the checkpoint saver.
func (a *Arbiter) replicate(ctx context.Context, cp *Checkpoint, rd *kafkareader.Reader, ld *loader.Loader, start int64) error {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	loaderErr := make(chan error, 1)
	go func() { loaderErr <- ld.Run(runCtx) }()

	var wg sync.WaitGroup
	wg.Add(2)
	saved := make(chan struct{})
	go func() { defer wg.Done(); a.drainSuccesses(ld) }()
	go func() { defer wg.Done(); defer close(saved); a.saveLoop(runCtx, cp) }()
	if !a.cfg.Down.SafeMode && ld.GetSafeMode() {
		stop := time.AfterFunc(a.deps.SafeModeWindow, func() { ld.SetSafeMode(false) })
		defer stop.Stop()
	}

	feedErr := a.feed(ctx, rd, ld, start, loaderErr)
	rd.Close()
	var err error
	if feedErr == nil || errors.Is(feedErr, context.Canceled) {
		close(ld.Input())
		err = <-loaderErr
	} else {
		ld.Close()
		err = errors.Join(feedErr, <-loaderErr)
	}
	cancel()
	wg.Wait()
	<-saved
	status := StatusNormal
	if err != nil {
		status = StatusRunning
	}
	if serr := cp.Save(context.WithoutCancel(ctx), a.FinishTS(), status); serr != nil {
		err = errors.Join(err, serr)
	}
	a.lg.Info("arbiter stopped", zap.Int64("finishTS", a.FinishTS()), zap.Error(err))
	return err
}

// errLoaderStopped is returned by feed when the loader returned first.
var errLoaderStopped = errors.New("arbiter: loader stopped")

// feed converts the reader's binlogs and hands them to the loader until ctx
// is cancelled (nil), the reader fails or the loader stops.
func (a *Arbiter) feed(ctx context.Context, rd *kafkareader.Reader, ld *loader.Loader, last int64, loaderErr chan error) error {
	dec := newDecoder()
	queueSize := a.metrics.queueSize.WithLabelValues("kafka_reader")
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-loaderErr:
			loaderErr <- err
			return errLoaderStopped
		case err := <-rd.Error():
			return fmt.Errorf("arbiter: read %s: %w", a.cfg.Up.Topic, err)
		case msg, ok := <-rd.Messages():
			if !ok { // the reader stopped: say why
				select {
				case err := <-rd.Error():
					return fmt.Errorf("arbiter: read %s: %w", a.cfg.Up.Topic, err)
				default:
					return errors.New("arbiter: the reader stopped")
				}
			}
			ts := msg.CommitTS
			if ts <= last {
				continue
			}
			last = ts
			txn, err := a.decode(dec, msg)
			if err != nil {
				return err
			}
			txn.Metadata = ts
			queueSize.Set(float64(len(rd.Messages())))
			select {
			case ld.Input() <- txn:
			case <-ctx.Done():
				return nil
			case err := <-loaderErr:
				loaderErr <- err
				return errLoaderStopped
			}
		}
	}
}

// decode turns a message into a transaction; a message that is not a
// secondary binlog is a *kafkareader.DecodeError, as if the reader had
// decoded it.
func (a *Arbiter) decode(dec *decoder, msg *kafkareader.Message) (*loader.Txn, error) {
	txn, err := dec.txn(msg.Raw)
	var de *kafkareader.DecodeError
	switch {
	case errors.As(err, &de):
		de.Topic = a.cfg.Up.Topic
		return nil, fmt.Errorf("arbiter: read %s: %w", a.cfg.Up.Topic, de)
	case err != nil:
		return nil, fmt.Errorf("arbiter: partition %d offset %d: %w", msg.Partition, msg.Offset, err)
	}
	return txn, nil
}

// drainSuccesses records each applied transaction.
func (a *Arbiter) drainSuccesses(ld *loader.Loader) {
	for txn := range ld.Successes() {
		ts, _ := txn.Metadata.(int64)
		a.finishTS.Store(ts)
		a.metrics.txnLatency.Observe(time.Since(physicalTime(ts)).Seconds())
		if txn.IsDDL() {
			a.metrics.events.WithLabelValues("DDL").Inc()
			continue
		}
		// Counted by type first: one label lookup a type, not a row.
		var n [3]int
		for _, d := range txn.DMLs {
			n[eventIndex(d.Tp)]++
		}
		for i, c := range n {
			if c > 0 {
				a.metrics.events.WithLabelValues(eventNames[i]).Add(float64(c))
			}
		}
	}
}

// eventNames are the event labels of eventIndex.
var eventNames = [3]string{"Insert", "Update", "Delete"}

func eventIndex(tp loader.DMLType) int {
	switch tp {
	case loader.InsertDMLType:
		return 0
	case loader.UpdateDMLType:
		return 1
	}
	return 2
}

// saveLoop saves the finish ts with status Running every SaveInterval.
func (a *Arbiter) saveLoop(ctx context.Context, cp *Checkpoint) {
	t := time.NewTicker(a.deps.SaveInterval)
	defer t.Stop()
	var saved int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ts := a.FinishTS()
		if ts == saved {
			continue
		}
		began := time.Now()
		if err := cp.Save(ctx, ts, StatusRunning); err != nil {
			if ctx.Err() == nil {
				a.lg.Warn("save checkpoint", zap.Error(err))
			}
			continue
		}
		a.metrics.queryDuration.WithLabelValues("save_checkpoint").Observe(time.Since(began).Seconds())
		a.metrics.checkpointTSO.Set(float64(ts >> 18))
		saved = ts
	}
}

// physicalTime is the wall time of a TSO.
func physicalTime(ts int64) time.Time { return time.UnixMilli(ts >> 18) }
