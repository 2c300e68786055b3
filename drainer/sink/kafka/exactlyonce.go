package kafka

import (
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

// scanIdle ends a scan of a partition's tail when nothing more arrives.
const scanIdle = 500 * time.Millisecond

// syncTxn produces an item's messages in one Kafka transaction and marks
// it acknowledged once committed (exactly-once mode). Items at or below
// the last commit ts found on the topic at start are reported unwritten.
func (s *Sink) syncTxn(item *sink.Item, msgs [][]byte) error {
	if item.CommitTS() <= s.committedTS {
		if _, _, ok := s.win.track(item, 0, true); ok {
			s.poke()
		}
		return nil
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	p, _, ok := s.win.track(item, size, false)
	if !ok { // a replay of what this sink already wrote
		return nil
	}
	if err := s.prod.BeginTxn(); err != nil {
		return s.txnError(item, "begin", err)
	}
	for i, data := range msgs {
		msg := &sarama.ProducerMessage{Topic: s.cfg.Topic, Partition: int32(i), Value: sarama.ByteEncoder(data),
			Metadata: &meta{ts: item.CommitTS()}}
		select {
		case s.prod.Input() <- msg:
		case <-s.failed:
			return s.err
		case <-s.quit:
			return ErrClosed
		}
	}
	if err := s.prod.CommitTxn(); err != nil {
		return s.txnError(item, "commit", err)
	}
	s.win.markAcked(p)
	s.poke()
	return nil
}

func (s *Sink) txnError(item *sink.Item, what string, err error) error {
	err = fmt.Errorf("kafka sink: %s the transaction of commit ts %d: %w", what, item.CommitTS(), err)
	s.fail(err)
	return err
}

// lastCommittedTS reads the greatest commit ts committed to the topic (0 for
// an empty topic): the tail of every partition, read committed.
func lastCommittedTS(client sarama.Client, topic string, parts int, lg *zap.Logger) (int64, error) {
	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return 0, err
	}
	defer func() { _ = cons.Close() }()
	var last int64
	for p := range int32(parts) {
		ts, err := partitionTailTS(client, cons, topic, p)
		if err != nil {
			return 0, err
		}
		last = max(last, ts)
	}
	lg.Info("exactly once: last commit ts on the topic", zap.Int64("commitTS", last))
	return last, nil
}

// partitionTailTS scans back from the newest offset, in growing windows,
// for the last committed message of a partition.
func partitionTailTS(client sarama.Client, cons sarama.Consumer, topic string, p int32) (int64, error) {
	oldest, err := client.GetOffset(topic, p, sarama.OffsetOldest)
	if err != nil {
		return 0, err
	}
	newest, err := client.GetOffset(topic, p, sarama.OffsetNewest)
	if err != nil {
		return 0, err
	}
	for span := int64(16); ; span *= 8 {
		from := max(oldest, newest-span)
		ts, err := scanMaxTS(cons, topic, p, from, newest)
		if err != nil || ts > 0 || from == oldest {
			return ts, err
		}
	}
}

// scanMaxTS reads [from, end) and returns the greatest commit ts seen.
func scanMaxTS(cons sarama.Consumer, topic string, p int32, from, end int64) (int64, error) {
	if from >= end {
		return 0, nil
	}
	pc, err := cons.ConsumePartition(topic, p, from)
	if err != nil {
		return 0, err
	}
	defer func() { _ = pc.Close() }()
	var last int64
	for {
		select {
		case km := <-pc.Messages():
			b, err := kafkareader.Decode(km.Value)
			if err != nil {
				return 0, fmt.Errorf("kafka sink: partition %d offset %d: %w", p, km.Offset, err)
			}
			last = max(last, b.GetCommitTs())
			if km.Offset >= end-1 {
				return last, nil
			}
		case <-time.After(scanIdle):
			return last, nil
		}
	}
}
