package storage

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"go.uber.org/zap"
)

// Defaults of the engine (SPEC 4.1 and 4.2).
const (
	defaultKVChanCap                 = 1 << 20
	defaultSlowWriteThreshold        = time.Second
	defaultStopWriteAtAvailableSpace = 10 << 30
	defaultValueLogFileSize          = 500 << 20
	defaultResolveAfter              = 3 * time.Second
	// DefaultMaxTxnTimeout is the original's max-txn-timeout: the longest a
	// transaction may take between prewrite and commit. It is the one
	// default of the pump (config, GC margin, resolver).
	DefaultMaxTxnTimeout = 600 * time.Second
)

// KVOptions are the goleveldb knobs of the [storage.kv] section. A value <= 0
// means the default of SPEC 4.1.
type KVOptions struct {
	BlockCacheCapacity            int     `toml:"block-cache-capacity" json:"block-cache-capacity"`
	BlockRestartInterval          int     `toml:"block-restart-interval" json:"block-restart-interval"`
	BlockSize                     int     `toml:"block-size" json:"block-size"`
	CompactionL0Trigger           int     `toml:"compaction-L0-trigger" json:"compaction-L0-trigger"`
	CompactionTableSize           int     `toml:"compaction-table-size" json:"compaction-table-size"`
	CompactionTotalSize           int     `toml:"compaction-total-size" json:"compaction-total-size"`
	CompactionTotalSizeMultiplier float64 `toml:"compaction-total-size-multiplier" json:"compaction-total-size-multiplier"`
	WriteBuffer                   int     `toml:"write-buffer" json:"write-buffer"`
	WriteL0PauseTrigger           int     `toml:"write-L0-pause-trigger" json:"write-L0-pause-trigger"`
	WriteL0SlowdownTrigger        int     `toml:"write-L0-slowdown-trigger" json:"write-L0-slowdown-trigger"`
}

// DefaultKVOptions returns the goleveldb defaults of SPEC 4.1.
func DefaultKVOptions() KVOptions {
	return KVOptions{
		BlockCacheCapacity:            8 << 20,
		BlockRestartInterval:          16,
		BlockSize:                     4 << 10,
		CompactionL0Trigger:           8,
		CompactionTableSize:           64 << 20,
		CompactionTotalSize:           512 << 20,
		CompactionTotalSizeMultiplier: 8,
		WriteBuffer:                   64 << 20,
		WriteL0PauseTrigger:           24,
		WriteL0SlowdownTrigger:        17,
	}
}

// withDefaults replaces every value <= 0 by its default.
func (o KVOptions) withDefaults() KVOptions {
	d := DefaultKVOptions()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&o.BlockCacheCapacity, d.BlockCacheCapacity)
	pick(&o.BlockRestartInterval, d.BlockRestartInterval)
	pick(&o.BlockSize, d.BlockSize)
	pick(&o.CompactionL0Trigger, d.CompactionL0Trigger)
	pick(&o.CompactionTableSize, d.CompactionTableSize)
	pick(&o.CompactionTotalSize, d.CompactionTotalSize)
	pick(&o.WriteBuffer, d.WriteBuffer)
	pick(&o.WriteL0PauseTrigger, d.WriteL0PauseTrigger)
	pick(&o.WriteL0SlowdownTrigger, d.WriteL0SlowdownTrigger)
	if o.CompactionTotalSizeMultiplier <= 0 {
		o.CompactionTotalSizeMultiplier = d.CompactionTotalSizeMultiplier
	}
	return o
}

func (o KVOptions) leveldb() *opt.Options {
	o = o.withDefaults()
	return &opt.Options{
		BlockCacheCapacity:            o.BlockCacheCapacity,
		BlockRestartInterval:          o.BlockRestartInterval,
		BlockSize:                     o.BlockSize,
		CompactionL0Trigger:           o.CompactionL0Trigger,
		CompactionTableSize:           o.CompactionTableSize,
		CompactionTotalSize:           o.CompactionTotalSize,
		CompactionTotalSizeMultiplier: o.CompactionTotalSizeMultiplier,
		WriteBuffer:                   o.WriteBuffer,
		WriteL0PauseTrigger:           o.WriteL0PauseTrigger,
		WriteL0SlowdownTrigger:        o.WriteL0SlowdownTrigger,
	}
}

// Options configure an Append.
type Options struct {
	// SyncLog fdatasyncs the value log after each group of records, before
	// the writers are acknowledged.
	SyncLog bool
	// KVChanCap bounds the number of records queued between the value-log
	// writer and the KV writer; when it stays full the slow chaser takes over.
	KVChanCap int
	// SlowWriteThreshold: WriteBinlog calls slower than this are logged.
	SlowWriteThreshold time.Duration
	// StopWriteAtAvailableSpace: real binlogs are rejected with
	// ErrNoAvailableSpace unless the free space of the data disk exceeds it
	// (fake binlogs are still accepted). 0 disables the check.
	StopWriteAtAvailableSpace uint64
	// AvailableSpace reports the free bytes of the data disk. nil: statfs of
	// the data directory. It is called at Open and every few seconds.
	AvailableSpace func() (uint64, error)
	// KV are the goleveldb knobs; zero values mean the defaults.
	KV KVOptions
	// ValueLogFileSize is the size after which a value-log file is finalized
	// and a new one started (default 500 MiB).
	ValueLogFileSize int64
	// Resolver is asked about a prewrite whose commit binlog has not arrived
	// after ResolveAfter. nil: wait for the commit binlog forever.
	Resolver Resolver
	// ResolveAfter is how long an unmatched prewrite blocks the watermark
	// before the resolver is asked (default 3 s), then once per second.
	ResolveAfter time.Duration
	// MaxTxnTimeout is the longest a transaction may take between its
	// prewrite and its commit (max-txn-timeout, default 600 s). GC keeps
	// the binlogs of this span below the GC ts, so that prewrites of
	// transactions that commit later survive.
	MaxTxnTimeout time.Duration
	// Logger is the parent logger (nil: no logging).
	Logger *zap.Logger
	// Registerer receives the storage metrics (nil: not registered).
	Registerer prometheus.Registerer
}

// DefaultOptions returns the defaults of SPEC 4.1.
func DefaultOptions() Options {
	return Options{
		SyncLog:                   true,
		KVChanCap:                 defaultKVChanCap,
		SlowWriteThreshold:        defaultSlowWriteThreshold,
		StopWriteAtAvailableSpace: defaultStopWriteAtAvailableSpace,
		KV:                        DefaultKVOptions(),
		ValueLogFileSize:          defaultValueLogFileSize,
		ResolveAfter:              defaultResolveAfter,
		MaxTxnTimeout:             DefaultMaxTxnTimeout,
	}
}

// adjust fills zero values with defaults. SyncLog and
// StopWriteAtAvailableSpace keep their zero meaning (off).
func (o Options) adjust() Options {
	if o.KVChanCap <= 0 {
		o.KVChanCap = defaultKVChanCap
	}
	if o.SlowWriteThreshold <= 0 {
		o.SlowWriteThreshold = defaultSlowWriteThreshold
	}
	if o.ValueLogFileSize <= 0 {
		o.ValueLogFileSize = defaultValueLogFileSize
	}
	if o.ResolveAfter <= 0 {
		o.ResolveAfter = defaultResolveAfter
	}
	if o.MaxTxnTimeout <= 0 {
		o.MaxTxnTimeout = DefaultMaxTxnTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	o.KV = o.KV.withDefaults()
	return o
}

// knobs are internal timings; tests shorten them through openWithKnobs.
type knobs struct {
	tick               time.Duration // sorter tick: resolver calls, state persistence
	spaceRefresh       time.Duration // disk space refresh
	kvBlockedTimeout   time.Duration // KV queue blocked this long: slow chaser on
	chaserPoll         time.Duration // chaser idle poll while on
	catchUpThreshold   time.Duration // a catch-up faster than this allows recovery
	recoveryCoolDown   time.Duration // minimum time between recovery attempts
	recoveryTimeout    time.Duration // final catch-up under the write lock
	kvRetry            time.Duration // retry interval of a failed KV batch
	gcL0Pause          time.Duration // GC pause while L0 is crowded
	finalizeOnCloseMin int64         // finalize the current file on Close from this size
	recentBytes        int           // payload bytes of the latest records kept in memory for readers
	pageCacheKeep      int64         // newest synced value-log bytes left in the page cache
	// beforeKVWrite, when set, runs before each KV batch (tests use it to
	// block the KV writer).
	beforeKVWrite func()
	// readFault, when set, runs before each value-log read; an error it
	// returns is the read's (tests inject read errors with it).
	readFault func(valuePointer) error
	// afterIndex and afterPublish, when set, see each KV batch once indexed
	// (before the sorter gets it) and each watermark published (BenchmarkPullArrival
	// times the stages of a commit's way to the pullers with them).
	afterIndex   func(items []kvItem)
	afterPublish func(maxCommitTS int64)
}

func defaultKnobs() knobs {
	return knobs{
		tick:               time.Second,
		spaceRefresh:       3 * time.Second,
		kvBlockedTimeout:   3 * time.Second,
		chaserPoll:         500 * time.Millisecond,
		catchUpThreshold:   time.Second,
		recoveryCoolDown:   time.Minute,
		recoveryTimeout:    time.Second,
		kvRetry:            time.Second,
		gcL0Pause:          5 * time.Second,
		finalizeOnCloseMin: 50 << 10,
		recentBytes:        64 << 20,
		pageCacheKeep:      defaultPageCacheKeep,
	}
}
