package pump

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pump/storage"
)

// Adjust fills derived values: addresses without scheme, advertise-addr from
// addr, the fake-binlog-interval TOML spelling, storage defaults for values <= 0.
func (c *Config) Adjust() {
	c.ListenAddr = stripScheme(c.ListenAddr)
	if c.ListenAddr == "" {
		c.ListenAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort))
	}
	c.AdvertiseAddr = stripScheme(c.AdvertiseAddr)
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
		func() error { return checkHostPort("addr", c.ListenAddr, false) },
		func() error { return checkHostPort("advertise-addr", c.AdvertiseAddr, true) },
		func() error { return checkURLs("pd-urls", config.SplitList(c.PDURLs), true) },
		func() error { return checkURLs("tidb-status-urls", c.TiDBStatusURLs, false) },
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

func checkHostPort(key, addr string, advertise bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not host:port", ErrInvalidConfig, key, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%w: %s %q has an invalid port", ErrInvalidConfig, key, addr)
	}
	if advertise {
		ip := net.ParseIP(host)
		if host == "" || (ip != nil && ip.IsUnspecified()) {
			return fmt.Errorf("%w: %s %q must name a reachable host, not 0.0.0.0 or an empty host", ErrInvalidConfig, key, addr)
		}
	}
	return nil
}

func checkURLs(key string, urls []string, required bool) error {
	if required && len(urls) == 0 {
		return fmt.Errorf("%w: %s is empty", ErrInvalidConfig, key)
	}
	for _, raw := range urls {
		u, err := url.Parse(withHTTP(raw))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("%w: %s has an invalid URL %q", ErrInvalidConfig, key, raw)
		}
	}
	return nil
}

func withHTTP(u string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return "http://" + u
}

func stripScheme(addr string) string {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		return strings.TrimSuffix(rest, "/")
	}
	return addr
}

// String renders the configuration as JSON with secrets redacted: the TLS key
// path and any user:password in URLs.
func (c *Config) String() string {
	cp := *c
	cp.Security.SSLKey = config.Redact(cp.Security.SSLKey)
	cp.PDURLs = redactURLs(config.SplitList(c.PDURLs))
	if len(c.TiDBStatusURLs) > 0 {
		cp.TiDBStatusURLs = config.SplitList(redactURLs(c.TiDBStatusURLs))
	}
	cp.MetricsAddr = redactURLs([]string{c.MetricsAddr})
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}

func redactURLs(urls []string) string {
	out := make([]string, 0, len(urls))
	for _, raw := range urls {
		if u, err := url.Parse(withHTTP(raw)); err == nil && u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				u.User = url.UserPassword(u.User.Username(), config.Redact("x"))
				raw = u.String()
			}
		}
		out = append(out, raw)
	}
	return strings.Join(out, ",")
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
