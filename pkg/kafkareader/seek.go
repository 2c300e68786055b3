package kafkareader

import (
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// probeTimeout bounds the wait for the one message a probe reads. A probe
// that times out (only transaction markers before the end, or a slow
// broker) moves the search earlier, which is safe: the reader drops what
// is not above the start ts.
const probeTimeout = 3 * time.Second

// seek returns the first offset of the partition whose message has a commit
// ts greater than ts (the newest offset if there is none), by binary search.
func (r *Reader) seek(partition int32, ts int64) (int64, error) {
	lo, err := r.client.GetOffset(r.cfg.Topic, partition, sarama.OffsetOldest)
	if err != nil {
		return 0, fmt.Errorf("kafkareader: oldest offset of %s: %w", r.cfg.Topic, err)
	}
	hi, err := r.client.GetOffset(r.cfg.Topic, partition, sarama.OffsetNewest)
	if err != nil {
		return 0, fmt.Errorf("kafkareader: newest offset of %s: %w", r.cfg.Topic, err)
	}
	probes := 0
	for lo < hi {
		mid := lo + (hi-lo)/2
		at, mts, err := r.probe(partition, mid, hi)
		probes++
		if err != nil {
			return 0, err
		}
		if at < 0 || mts > ts {
			hi = mid
		} else {
			lo = at + 1
		}
	}
	r.lg.Info("found start offset", zap.Int32("partition", partition), zap.Int64("commitTS", ts), zap.Int64("offset", lo), zap.Int("probes", probes))
	return lo, nil
}

// probe reads the first message at or after offset (below end) and returns
// its offset and commit ts; at is -1 if there is none before end.
func (r *Reader) probe(partition int32, offset, end int64) (at, ts int64, err error) {
	if at, ts, ok, err := r.probeFetch(partition, offset, end); ok || err != nil {
		return at, ts, err
	}
	pc, err := r.consumer.ConsumePartition(r.cfg.Topic, partition, offset)
	if err != nil {
		return 0, 0, fmt.Errorf("kafkareader: probe %s offset %d: %w", r.cfg.Topic, offset, err)
	}
	defer func() { _ = pc.Close() }()
	timer := time.NewTimer(probeTimeout)
	defer timer.Stop()
	select {
	case km := <-pc.Messages():
		if km.Offset >= end {
			return -1, 0, nil
		}
		b, err := decode(km.Value)
		if err != nil {
			return 0, 0, &DecodeError{Topic: km.Topic, Partition: km.Partition, Offset: km.Offset, Err: err}
		}
		return km.Offset, b.GetCommitTs(), nil
	case cerr := <-pc.Errors():
		return 0, 0, fmt.Errorf("kafkareader: probe %s offset %d: %w", r.cfg.Topic, offset, cerr)
	case <-timer.C:
		// Only control records (transaction markers) from offset to end.
		return -1, 0, nil
	case <-r.stop:
		return 0, 0, fmt.Errorf("kafkareader: closed while seeking")
	}
}
