package pump

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pump/storage"
)

// Adjust fills derived values: addresses without scheme, advertise-addr from
// addr, the fake-binlog-interval TOML spelling, storage defaults for values <= 0.
func (c *Config) Adjust() {
	c.ListenAddr = config.StripScheme(c.ListenAddr)
	if c.ListenAddr == "" {
		c.ListenAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort))
	}
	c.AdvertiseAddr = config.StripScheme(c.AdvertiseAddr)
	if c.AdvertiseAddr == "" {
		c.AdvertiseAddr = c.ListenAddr
	}
	if c.FakeBinlogInterval != nil {
		// Flags win over the file; the file's flag spelling wins over its TOML spelling.
		if !c.explicit["fake-binlog-interval"] && !c.explicit["gen-binlog-interval"] {
			c.GenBinlogInterval = *c.FakeBinlogInterval
		}
		c.FakeBinlogInterval = nil
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if len(c.TiDBStatusURLs) == 0 {
		c.TiDBStatusURLs = nil
	}
	if len(c.Security.CertAllowedCN) == 0 {
		c.Security.CertAllowedCN = nil
	}
	c.Storage.adjust()
}

func (s *StorageConfig) adjust() {
	if s.KVChanCap <= 0 {
		s.KVChanCap = DefaultKVChanCap
	}
	if s.SlowWriteThreshold <= 0 {
		s.SlowWriteThreshold = defaultSlowWrite
	}
	// [storage.kv] values <= 0 mean the default; show the effective ones.
	s.KV = fillKVDefaults(s.KV)
}

// Validate checks the adjusted configuration; errors are one line and wrap
// ErrInvalidConfig.
func (c *Config) Validate() error {
	checks := []func() error{
		func() error { return invalid(config.CheckHostPort("addr", c.ListenAddr, false)) },
		func() error { return invalid(config.CheckHostPort("advertise-addr", c.AdvertiseAddr, true)) },
		func() error { return invalid(config.CheckURLs("pd-urls", config.SplitList(c.PDURLs), true)) },
		func() error { return invalid(config.CheckURLs("tidb-status-urls", c.TiDBStatusURLs, false)) },
		c.checkNumbers,
		func() error { _, err := log.ParseLevel(c.LogLevel); return err },
		c.Security.Validate,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			if errors.Is(err, ErrInvalidConfig) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (c *Config) checkNumbers() error {
	positive := []struct {
		name string
		ok   bool
	}{
		{"gc", c.GC.Duration > 0},
		{"gen-binlog-interval", c.GenBinlogInterval.Duration > 0},
		{"heartbeat-interval", c.HeartbeatInterval > 0},
		{"max-message-size", c.MaxMessageSize > 0},
		{"max-txn-timeout", c.MaxTxnTimeout > 0},
		{"metrics-interval", c.MetricsInterval >= 0},
	}
	for _, p := range positive {
		if !p.ok {
			return fmt.Errorf("%w: %s must be > 0", ErrInvalidConfig, p.name)
		}
	}
	return nil
}

// String renders the configuration as JSON with secrets redacted: the TLS key
// path and any user:password in URLs.
func (c *Config) String() string {
	cp := *c
	cp.Security.SSLKey = config.Redact(cp.Security.SSLKey)
	cp.PDURLs = config.RedactURLs(config.SplitList(c.PDURLs))
	if len(c.TiDBStatusURLs) > 0 {
		cp.TiDBStatusURLs = config.SplitList(config.RedactURLs(c.TiDBStatusURLs))
	}
	cp.MetricsAddr = config.RedactURLs([]string{c.MetricsAddr})
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}

func (c *Config) heartbeatInterval() time.Duration {
	return time.Duration(c.HeartbeatInterval) * time.Second
}

// fillKVDefaults replaces every [storage.kv] value <= 0 by its default.
func fillKVDefaults(kv storage.KVOptions) storage.KVOptions {
	d := storage.DefaultKVOptions()
	for _, p := range []struct{ v, def *int }{
		{&kv.BlockCacheCapacity, &d.BlockCacheCapacity},
		{&kv.BlockRestartInterval, &d.BlockRestartInterval},
		{&kv.BlockSize, &d.BlockSize},
		{&kv.CompactionL0Trigger, &d.CompactionL0Trigger},
		{&kv.CompactionTableSize, &d.CompactionTableSize},
		{&kv.CompactionTotalSize, &d.CompactionTotalSize},
		{&kv.WriteBuffer, &d.WriteBuffer},
		{&kv.WriteL0PauseTrigger, &d.WriteL0PauseTrigger},
		{&kv.WriteL0SlowdownTrigger, &d.WriteL0SlowdownTrigger},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if kv.CompactionTotalSizeMultiplier <= 0 {
		kv.CompactionTotalSizeMultiplier = d.CompactionTotalSizeMultiplier
	}
	return kv
}

// storageOptions maps the [storage] section onto the engine's options.
func (c *Config) storageOptions() storage.Options {
	o := storage.DefaultOptions()
	o.SyncLog = c.Storage.SyncLog
	o.KVChanCap = c.Storage.KVChanCap
	o.SlowWriteThreshold = time.Duration(c.Storage.SlowWriteThreshold * float64(time.Second))
	o.StopWriteAtAvailableSpace = uint64(c.Storage.StopWriteAtAvailableSpace)
	o.KV = c.Storage.KV
	o.MaxTxnTimeout = time.Duration(c.MaxTxnTimeout) * time.Second
	return o
}

// invalid marks a configuration error as ErrInvalidConfig.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
}
