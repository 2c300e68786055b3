package kafka

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

// closeWaitAfterFailure bounds how long Close waits for the producer to
// give up its retries once the sink has failed.
const closeWaitAfterFailure = 10 * time.Second

// meta rides on each produced message.
type meta struct {
	p  *pending // nil for an untracked replay
	ts int64
}

// Sink produces items to Kafka.
type Sink struct {
	cfg    Config
	tables translator.TableInfoGetter
	lg     *zap.Logger
	prod   sarama.AsyncProducer
	win    *window
	parts  int // partitions written (1 unless PartitionBy is set)

	successes chan *sink.Item
	errc      chan error
	kick      chan struct{} // an acked-on-arrival item may be reportable
	quit      chan struct{} // Close was called
	failed    chan struct{} // closed by fail
	done      chan struct{} // the run loop returned

	client sarama.Client // closed after the producer
	// committedTS is, in exactly-once mode, the last commit ts found on
	// the topic at start.
	committedTS int64

	failOnce  sync.Once
	err       error // why the sink failed; set before failed is closed
	quitOnce  sync.Once
	closeOnce sync.Once
	sendMu    sync.Mutex // serializes Sync and Close
	closed    bool
}

var _ sink.Sink = (*Sink)(nil)

// New connects a producer to cfg's brokers and starts reporting. tables
// resolves table ids (the drainer's schema). reg is accepted for symmetry
// with the other sinks; the original Kafka sink has no metrics of its own.
func New(cfg Config, tables translator.TableInfoGetter, lg *zap.Logger, reg prometheus.Registerer) (*Sink, error) {
	_ = reg
	if err := cfg.adjust(); err != nil {
		return nil, err
	}
	sc, err := cfg.saramaConfig()
	if err != nil {
		return nil, err
	}
	return newWithConfig(cfg, sc, tables, lg)
}

func newWithConfig(cfg Config, sc *sarama.Config, tables translator.TableInfoGetter, lg *zap.Logger) (*Sink, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "kafkaSink"))
	kafkareader.RaiseSaramaLimits()
	client, err := sarama.NewClient(cfg.brokers(), sc)
	if err != nil {
		return nil, fmt.Errorf("kafka sink: connect to %s: %w", cfg.Addrs, err)
	}
	parts := 1
	if cfg.PartitionBy != PartitionByNone {
		ps, err := client.Partitions(cfg.Topic)
		if err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("kafka sink: partitions of %s: %w", cfg.Topic, err)
		}
		parts = len(ps)
	}
	var committed int64
	if cfg.ExactlyOnce {
		if committed, err = lastCommittedTS(client, cfg.Topic, parts, lg); err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("kafka sink: read the tail of %s: %w", cfg.Topic, err)
		}
	}
	prod, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("kafka sink: %w", err)
	}
	s := &Sink{
		cfg: cfg, tables: tables, lg: lg, prod: prod, parts: parts, client: client, committedTS: committed,
		win:       newWindow(cfg.MaxPendingBytes),
		successes: make(chan *sink.Item, 1024),
		errc:      make(chan error, 1),
		kick:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		failed:    make(chan struct{}),
		done:      make(chan struct{}),
	}
	lg.Info("kafka sink started", zap.String("topic", cfg.Topic), zap.String("addrs", cfg.Addrs),
		zap.String("version", cfg.Version), zap.Stringer("protocolVersion", sc.Version))
	go s.run()
	return s, nil
}

// Topic is the topic the sink produces to.
func (s *Sink) Topic() string { return s.cfg.Topic }

// Successes implements sink.Sink.
func (s *Sink) Successes() <-chan *sink.Item { return s.successes }

// Error implements sink.Sink.
func (s *Sink) Error() <-chan error { return s.errc }

// Sync translates and produces the item. It blocks while the producer's
// input is full or the ack window is over its byte limit.
func (s *Sink) Sync(item *sink.Item) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.failure(); err != nil {
		return err
	}
	if item.IsDDL() && item.ShouldSkip {
		if _, _, ok := s.win.track(item, 0, true); ok {
			s.poke()
		}
		return nil
	}
	msgs, err := s.encode(item)
	if err != nil {
		return err
	}
	if s.cfg.ExactlyOnce {
		return s.syncTxn(item, msgs)
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	p, stall, ok := s.win.track(item, size, false)
	if ok {
		s.win.setParts(p, len(msgs))
	}
	for i, data := range msgs {
		msg := &sarama.ProducerMessage{
			Topic: s.cfg.Topic, Partition: int32(i), Value: sarama.ByteEncoder(data),
			Metadata: &meta{p: p, ts: item.CommitTS()},
		}
		select {
		case s.prod.Input() <- msg:
		case <-s.failed:
			return s.err
		case <-s.quit:
			return ErrClosed
		}
	}
	if stall == nil {
		return nil
	}
	select {
	case <-stall:
		return nil
	case <-s.failed:
		return s.err
	case <-s.quit:
		return ErrClosed
	}
}

// encode translates and marshals an item (one message per partition) and
// checks the sizes.
func (s *Sink) encode(item *sink.Item) ([][]byte, error) {
	ts := item.CommitTS()
	b, err := translator.TiBinlogToSecondaryBinlog(s.tables, item.Schema, item.Table, item.Binlog, item.PrewriteValue, s.cfg.Location)
	if err != nil {
		return nil, fmt.Errorf("kafka sink: translate commit ts %d: %w", ts, err)
	}
	msgs, err := split(b, s.cfg.PartitionBy, s.parts)
	if err != nil {
		return nil, fmt.Errorf("kafka sink: marshal commit ts %d: %w", ts, err)
	}
	for _, data := range msgs {
		if int64(len(data)) > s.cfg.MaxMessageSize {
			return nil, fmt.Errorf("%w: commit ts %d is %d bytes, over kafka-max-message-size %d",
				ErrMessageTooLarge, ts, len(data), s.cfg.MaxMessageSize)
		}
	}
	return msgs, nil
}

func (s *Sink) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// failure is the error the sink failed with, or nil.
func (s *Sink) failure() error {
	select {
	case <-s.failed:
		return s.err
	default:
		return nil
	}
}

// fail records the first fatal error and reports it on Error.
func (s *Sink) fail(err error) {
	s.failOnce.Do(func() {
		s.lg.Error("kafka sink failed", zap.Error(err))
		s.err = err
		close(s.failed)
		s.errc <- err
	})
}

// run reports acknowledged items in order, fails on producer errors and on
// a window without acknowledgements, until the producer closes.
func (s *Sink) run() {
	defer close(s.done)
	defer close(s.successes)
	tick := time.NewTicker(s.checkInterval())
	defer tick.Stop()
	succ, errs := s.prod.Successes(), s.prod.Errors()
	for succ != nil || errs != nil {
		select {
		case msg, ok := <-succ:
			if !ok {
				succ = nil
				continue
			}
			m, _ := msg.Metadata.(*meta)
			if m != nil {
				s.deliver(s.win.ack(m.p))
			}
		case perr, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.fail(s.producerError(perr))
		case <-s.kick:
			s.deliver(s.win.ack(nil))
		case <-tick.C:
			if ts, n, ok := s.win.stalled(s.cfg.AckTimeout); ok {
				s.fail(fmt.Errorf("%w for %s with %d messages pending (oldest commit ts %d)",
					ErrAckTimeout, s.cfg.AckTimeout, n, ts))
			}
		}
	}
}

func (s *Sink) checkInterval() time.Duration {
	d := s.cfg.AckTimeout / 10
	return min(max(d, 10*time.Millisecond), time.Second)
}

// deliver reports items unless the sink failed.
func (s *Sink) deliver(items []*sink.Item) {
	for _, it := range items {
		if s.failure() != nil {
			return
		}
		s.successes <- it
	}
}

// producerError names the commit ts of the message that failed.
func (s *Sink) producerError(perr *sarama.ProducerError) error {
	var ts int64
	if perr.Msg != nil {
		if m, ok := perr.Msg.Metadata.(*meta); ok {
			ts = m.ts
		}
	}
	if errors.Is(perr.Err, sarama.ErrMessageSizeTooLarge) || isConfigTooLarge(perr.Err) {
		return fmt.Errorf("%w: commit ts %d refused: %w", ErrMessageTooLarge, ts, perr.Err)
	}
	return fmt.Errorf("kafka sink: produce commit ts %d to %s: %w", ts, s.cfg.Topic, perr.Err)
}

func isConfigTooLarge(err error) bool {
	var ce sarama.ConfigurationError
	return errors.As(err, &ce)
}

// Close flushes what was produced, waits for its acknowledgements and closes
// Successes (the caller keeps draining it until then). After a failure it
// waits at most 10 s for the producer to give up.
func (s *Sink) Close() error {
	s.quitOnce.Do(func() { close(s.quit) })
	s.sendMu.Lock()
	s.closed = true
	s.sendMu.Unlock()
	s.closeOnce.Do(func() { s.prod.AsyncClose() })
	if s.failure() == nil {
		select {
		case <-s.done:
		case <-s.failed:
		}
	}
	if s.failure() != nil {
		select {
		case <-s.done:
		case <-time.After(closeWaitAfterFailure):
			s.lg.Warn("kafka producer still retrying after the sink failed; leaving it")
			return s.failure()
		}
	}
	_ = s.client.Close()
	return s.failure()
}
