package kafkareader

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// ErrNotBinlog is wrapped by a DecodeError for a message that does not
// decode as a secondary binlog.
var ErrNotBinlog = errors.New("kafkareader: message is not a secondary binlog")

// DecodeError names the message that is not a secondary binlog.
type DecodeError struct {
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("kafkareader: topic %s partition %d offset %d: %v", e.Topic, e.Partition, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Config configures a Reader (the original driver reader's fields).
type Config struct {
	// KafkaAddrs are the brokers.
	KafkaAddrs []string
	// Version is the Kafka protocol version ("" or older than 0.11.0.0
	// means 0.11.0.0).
	Version string
	// Topic is read; "" means the drainer's default <ClusterID>_obinlog.
	Topic     string
	ClusterID string
	// CommitTS: only binlogs with a greater commit ts are delivered; the
	// start offset is found by binary search. 0 starts at Offset.
	CommitTS int64
	// Offset is the start offset when CommitTS is 0 (0 = the oldest).
	Offset int64
	// MessageBufferSize is the capacity of Messages (default 1).
	MessageBufferSize int
	// SaramaBufferSize is sarama's channel buffer (default 1).
	SaramaBufferSize int
	// Raw delivers the messages undecoded (Message.Raw, Binlog nil) for a
	// consumer with a decoder of its own: only the top-level fields are
	// read (commit ts, type, ddl_data), so a message whose nested fields
	// are malformed is the decoder's to report.
	Raw bool
	// Logger (nil: no logging).
	Logger *zap.Logger
}

// Message is one decoded binlog and where it was read.
type Message struct {
	Binlog    *secondarypb.Binlog
	Partition int32
	Offset    int64
	// Size is the message's byte size.
	Size int
	// CommitTS is the binlog's commit ts.
	CommitTS int64
	// Raw, with Config.Raw, is what Binlog would have been decoded from:
	// the message, or for a topic of several partitions the messages of
	// CommitTS joined into it, in partition order (its type and DDL are
	// the first's, its tables those of all).
	Raw []RawValue

	hasDML bool  // the binlog has dml_data (join appends the tables of the others)
	err    error // a partition's decode error, passed through the merge in order
}

// Reader delivers the binlogs of a topic.
type Reader struct {
	cfg      Config
	lg       *zap.Logger
	client   sarama.Client
	consumer sarama.Consumer
	msgs     chan *Message
	errc     chan error
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// NewReader connects, finds the start offset and starts reading.
func NewReader(cfg Config) (*Reader, error) {
	if len(cfg.KafkaAddrs) == 0 {
		return nil, errors.New("kafkareader: no kafka addresses")
	}
	if cfg.Topic == "" {
		if cfg.ClusterID == "" {
			return nil, errors.New("kafkareader: neither topic nor cluster id given")
		}
		cfg.Topic = cfg.ClusterID + "_obinlog"
	}
	if cfg.MessageBufferSize <= 0 {
		cfg.MessageBufferSize = 1
	}
	if cfg.SaramaBufferSize <= 0 {
		cfg.SaramaBufferSize = 1
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	sc, err := saramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	RaiseSaramaLimits()
	client, err := sarama.NewClient(cfg.KafkaAddrs, sc)
	if err != nil {
		return nil, fmt.Errorf("kafkareader: connect to %s: %w", strings.Join(cfg.KafkaAddrs, ","), err)
	}
	r := &Reader{cfg: cfg, lg: lg.With(zap.String("component", "kafkaReader"), zap.String("topic", cfg.Topic)),
		client: client, msgs: make(chan *Message, cfg.MessageBufferSize), errc: make(chan error, 1),
		stop: make(chan struct{})}
	if r.consumer, err = sarama.NewConsumerFromClient(client); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("kafkareader: %w", err)
	}
	parts, err := client.Partitions(cfg.Topic)
	if err != nil {
		r.closeClients()
		return nil, fmt.Errorf("kafkareader: partitions of %s: %w", cfg.Topic, err)
	}
	var pcs []sarama.PartitionConsumer
	for _, p := range parts {
		pc, err := r.consume(p)
		if err != nil {
			for _, c := range pcs {
				_ = c.Close()
			}
			r.closeClients()
			return nil, err
		}
		pcs = append(pcs, pc)
	}
	r.start(pcs)
	return r, nil
}

// consume starts a partition at the first offset after CommitTS (or at
// Offset).
func (r *Reader) consume(p int32) (sarama.PartitionConsumer, error) {
	start := r.cfg.Offset
	if r.cfg.CommitTS > 0 {
		var err error
		if start, err = r.seek(p, r.cfg.CommitTS); err != nil {
			return nil, err
		}
	}
	pc, err := r.consumer.ConsumePartition(r.cfg.Topic, p, start)
	if err != nil {
		return nil, fmt.Errorf("kafkareader: consume %s partition %d from offset %d: %w", r.cfg.Topic, p, start, err)
	}
	r.lg.Info("reading", zap.Int32("partition", p), zap.Int64("offset", start), zap.Int64("commitTS", r.cfg.CommitTS))
	return pc, nil
}

func saramaConfig(cfg Config) (*sarama.Config, error) {
	sc := sarama.NewConfig()
	sc.Version = sarama.V0_11_0_0
	if cfg.Version != "" {
		v, err := sarama.ParseKafkaVersion(cfg.Version)
		if err != nil {
			return nil, fmt.Errorf("kafkareader: kafka version: %w", err)
		}
		if v.IsAtLeast(sc.Version) {
			sc.Version = v
		}
	}
	sc.ChannelBufferSize = cfg.SaramaBufferSize
	sc.Consumer.Return.Errors = true
	sc.Consumer.IsolationLevel = sarama.ReadCommitted
	sc.Consumer.Fetch.Default = 8 << 20
	sc.Metadata.Retry.Max = 10000
	sc.Metadata.Retry.Backoff = 500 * time.Millisecond
	return sc, nil
}

// Messages delivers the binlogs in topic order. It is closed when the
// reader stops.
func (r *Reader) Messages() <-chan *Message { return r.msgs }

// Error reports why the reader stopped (a *DecodeError); consumer errors
// are logged, sarama retries them. Nothing is sent after Close.
func (r *Reader) Error() <-chan error { return r.errc }

// Close stops reading and releases the connections.
func (r *Reader) Close() {
	if r == nil {
		return
	}
	r.stopOnce.Do(func() { close(r.stop) })
	r.wg.Wait()
	r.closeClients()
}

func (r *Reader) closeClients() {
	if r.consumer != nil {
		_ = r.consumer.Close()
	}
	_ = r.client.Close()
}

// start runs one goroutine per partition and the merge.
func (r *Reader) start(pcs []sarama.PartitionConsumer) {
	r.wg.Add(1)
	if len(pcs) == 1 {
		// Nothing to merge: the partition delivers (a goroutine hand-off a
		// message less).
		go func() {
			defer r.wg.Done()
			defer close(r.msgs)
			if err := r.readPartition(pcs[0], r.msgs); err != nil {
				r.fail(err)
			}
		}()
		return
	}
	ins := make([]chan *Message, len(pcs))
	for i, pc := range pcs {
		ins[i] = make(chan *Message, r.cfg.MessageBufferSize)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := r.readPartition(pc, ins[i]); err != nil {
				// After the good messages, in order.
				select {
				case ins[i] <- &Message{err: err}:
				case <-r.stop:
				}
			}
		}()
	}
	go r.merge(ins)
}

// fail reports the first error and stops the reader.
func (r *Reader) fail(err error) {
	select {
	case r.errc <- err:
	default:
	}
	r.stopOnce.Do(func() { close(r.stop) })
}

// merge delivers the partitions' binlogs by commit ts: it waits for a
// message from every partition (the Kafka sink writes every commit ts to
// every partition) and joins those of the smallest commit ts into one.
func (r *Reader) merge(ins []chan *Message) {
	defer r.wg.Done() // the one start added
	defer close(r.msgs)
	heads := make([]*Message, len(ins))
	for {
		for i := range heads {
			if heads[i] != nil {
				continue
			}
			select {
			case m := <-ins[i]:
				if m.err != nil {
					r.fail(m.err)
					return
				}
				heads[i] = m
			case <-r.stop:
				return
			}
		}
		m := join(heads)
		select {
		case r.msgs <- m:
		case <-r.stop:
			return
		}
	}
}

// join takes the heads of the smallest commit ts out of heads and returns
// them as one message: a DDL once, the tables of a DML in partition order.
func join(heads []*Message) *Message {
	var out *Message
	for _, h := range heads {
		if out == nil || h.CommitTS < out.CommitTS {
			out = h
		}
	}
	ts := out.CommitTS
	if len(heads) == 1 {
		heads[0] = nil
		return out
	}
	if out.Binlog == nil {
		return joinRaw(heads, out)
	}
	joined := &Message{Binlog: proto.Clone(out.Binlog).(*secondarypb.Binlog), Partition: out.Partition, Offset: out.Offset,
		CommitTS: ts, hasDML: out.hasDML}
	if joined.Binlog.DmlData != nil {
		joined.Binlog.DmlData.Tables = nil
	}
	for i, h := range heads {
		if h.CommitTS != ts {
			continue
		}
		joined.Size += h.Size
		if joined.Binlog.DmlData != nil {
			joined.Binlog.DmlData.Tables = append(joined.Binlog.DmlData.Tables, h.Binlog.GetDmlData().GetTables()...)
		}
		heads[i] = nil
	}
	return joined
}

// decode unmarshals a secondary binlog and checks the fields every writer
// sets.
func decode(data []byte) (*secondarypb.Binlog, error) {
	b := &secondarypb.Binlog{}
	if err := proto.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotBinlog, err)
	}
	if b.Type == nil || b.CommitTs == nil || b.GetCommitTs() <= 0 {
		return nil, fmt.Errorf("%w: no type or commit ts", ErrNotBinlog)
	}
	if (b.GetType() == secondarypb.BinlogType_DDL) != (b.DdlData != nil) {
		return nil, fmt.Errorf("%w: type %s with ddl_data %t", ErrNotBinlog, b.GetType(), b.DdlData != nil)
	}
	return b, nil
}

// Decode unmarshals and checks one message value.
func Decode(data []byte) (*secondarypb.Binlog, error) { return decode(data) }
