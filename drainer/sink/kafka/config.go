package kafka

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

// Defaults of Config (the original drainer's).
const (
	DefaultAddrs           = "127.0.0.1:9092"
	DefaultVersion         = "0.8.2.0"
	DefaultMaxMessages     = 1024
	DefaultMaxMessageSize  = 1 << 30
	DefaultClientID        = "tidb_binlog"
	DefaultAckTimeout      = 30 * time.Second
	DefaultMaxPendingBytes = 90 << 20
	retryMax               = 10000
	retryBackoff           = 500 * time.Millisecond
)

// Sentinel errors.
var (
	// ErrClosed is returned by Sync after Close or after the sink failed.
	ErrClosed = errors.New("kafka sink: closed")
	// ErrInvalidConfig wraps every configuration problem New finds.
	ErrInvalidConfig = errors.New("kafka sink: invalid configuration")
	// ErrMessageTooLarge: a message is over kafka-max-message-size or the
	// broker's limit.
	ErrMessageTooLarge = errors.New("kafka sink: message too large")
	// ErrAckTimeout: nothing was acknowledged for AckTimeout while messages
	// were pending.
	ErrAckTimeout = errors.New("kafka sink: no acknowledgement")
)

// Config is the Kafka part of [syncer.to] (SPEC 5.1) plus the knobs tests
// turn.
type Config struct {
	// ZKAddrs is zookeeper-addrs; it must be empty (no ZooKeeper client).
	ZKAddrs string
	// Addrs is kafka-addrs, comma separated ("" = 127.0.0.1:9092).
	Addrs string
	// Version is kafka-version ("" = 0.8.2.0).
	Version string
	// MaxMessages is kafka-max-messages (Flush.MaxMessages; 0 = 1024).
	MaxMessages int
	// MaxMessageSize is kafka-max-message-size (0 = 1 GiB, the most).
	MaxMessageSize int64
	// ClientID is kafka-client-id ("" = tidb_binlog).
	ClientID string
	// Topic is topic-name ("" = <ClusterID>_obinlog).
	Topic     string
	ClusterID uint64
	// Location is the zone of TIMESTAMP values (nil = time.Local).
	Location *time.Location
	// AckTimeout fails the sink when nothing is acknowledged for this long
	// while messages are pending (0 = 30 s).
	AckTimeout time.Duration
	// MaxPendingBytes stalls Sync while more bytes are unacknowledged
	// (0 = 90 MiB).
	MaxPendingBytes int64
	// PartitionBy spreads DML over the topic's partitions by "table" or
	// "key" ("" = partition 0 only, the original). DDLs go to every
	// partition, and every partition gets a message for every commit ts.
	PartitionBy string
	// ExactlyOnce produces each item in a Kafka transaction of an
	// idempotent producer whose transactional id is TransactionalID()
	// (stable across restarts), reports it only once committed, and at
	// start skips the items already committed to the topic (see doc.go).
	ExactlyOnce bool
}

// TransactionalID is the exactly-once producer's transactional id: one per
// topic, so that a restarted drainer fences the one it replaces.
func (c *Config) TransactionalID() string { return "tidb_binlog_" + c.Topic }

// DefaultTopic is the drainer's topic for a cluster: <clusterID>_obinlog.
func DefaultTopic(clusterID uint64) string { return fmt.Sprintf("%d_obinlog", clusterID) }

// adjust fills defaults and checks the config.
func (c *Config) adjust() error {
	if strings.TrimSpace(c.ZKAddrs) != "" {
		return fmt.Errorf("%w: zookeeper-addrs is set, but this drainer has no ZooKeeper client built in; "+
			"list the brokers in kafka-addrs instead", ErrInvalidConfig)
	}
	if strings.TrimSpace(c.Addrs) == "" {
		c.Addrs = DefaultAddrs
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.MaxMessages <= 0 {
		c.MaxMessages = DefaultMaxMessages
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxMessageSize > kafkareader.MaxMessageSize {
		return fmt.Errorf("%w: kafka-max-message-size %d is over the supported 1 GiB", ErrInvalidConfig, c.MaxMessageSize)
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.Topic == "" {
		c.Topic = DefaultTopic(c.ClusterID)
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = DefaultAckTimeout
	}
	switch c.PartitionBy {
	case PartitionByNone, PartitionByTable, PartitionByKey:
	default:
		return fmt.Errorf("%w: partition-by %q (want \"table\" or \"key\")", ErrInvalidConfig, c.PartitionBy)
	}
	if c.MaxPendingBytes <= 0 {
		c.MaxPendingBytes = DefaultMaxPendingBytes
	}
	return nil
}

// brokers splits Addrs.
func (c *Config) brokers() []string {
	var out []string
	for _, a := range strings.Split(c.Addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// saramaConfig is the original drainer's producer configuration.
func (c *Config) saramaConfig() (*sarama.Config, error) {
	v, err := sarama.ParseKafkaVersion(c.Version)
	if err != nil {
		return nil, fmt.Errorf("%w: kafka-version: %w", ErrInvalidConfig, err)
	}
	sc := sarama.NewConfig()
	sc.Version = effectiveVersion(v)
	sc.ClientID = c.ClientID
	sc.Metadata.Full = false
	sc.Metadata.Retry.Max = retryMax
	sc.Metadata.Retry.Backoff = retryBackoff
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	sc.Producer.Return.Successes = true
	sc.Producer.Return.Errors = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.MaxMessageBytes = int(c.MaxMessageSize)
	sc.Producer.Retry.Max = retryMax
	sc.Producer.Retry.Backoff = retryBackoff
	sc.Producer.Flush.MaxMessages = c.MaxMessages
	if c.ExactlyOnce {
		sc.Producer.Idempotent = true
		sc.Producer.Transaction.ID = c.TransactionalID()
		sc.Net.MaxOpenRequests = 1
		sc.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return sc, nil
}

// minVersion is the oldest protocol current brokers accept: Kafka 4 (and
// kfake) dropped the produce versions of message formats v0 and v1, which
// sarama uses below 0.11.
var minVersion = sarama.V0_11_0_0

// effectiveVersion raises a kafka-version older than 0.11.0.0 (the
// original's default 0.8.2.0 among them) to 0.11.0.0.
func effectiveVersion(v sarama.KafkaVersion) sarama.KafkaVersion {
	if !v.IsAtLeast(minVersion) {
		return minVersion
	}
	return v
}
