package kafkareader

import (
	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// readAhead bounds the bytes of messages a partition holds read ahead of
// its consumer (at least one message is always taken). sarama fetches the
// next batch only once every message of the last one is handed over: with
// a one-message buffer the consumer waited for each 8 MiB fetch (a few
// hundred ms, about a twentieth of an arbiter's time); holding a fetch's
// worth lets the next fetch run while the consumer works.
const readAhead = 8 << 20

// readPartition decodes one partition's messages, dropping commit ts not
// above the last one, until stopped (nil) or a message does not decode
// (its *DecodeError, returned once the messages before it are delivered).
func (r *Reader) readPartition(pc sarama.PartitionConsumer, out chan<- *Message) error {
	defer func() { _ = pc.Close() }()
	last := r.cfg.CommitTS
	var q fifo
	for {
		in := pc.Messages()
		if q.bytes >= readAhead {
			in = nil
		}
		var send chan<- *Message
		if q.len() > 0 {
			send = out
		}
		select {
		case <-r.stop:
			return nil
		case cerr := <-pc.Errors():
			// sarama reconnects and retries by itself (a broker restart).
			if cerr != nil {
				r.lg.Warn("consume", zap.Error(cerr))
			}
		case km := <-in:
			m := r.readValue(km.Topic, km.Partition, km.Offset, km.Value)
			if m.err != nil {
				return r.flush(&q, out, m.err)
			}
			if m.CommitTS <= last {
				continue
			}
			last = m.CommitTS
			q.push(m)
		case send <- q.head():
			q.pop()
		}
	}
}

// flush delivers the queued messages and returns err (nil if stopped).
func (r *Reader) flush(q *fifo, out chan<- *Message, err error) error {
	for q.len() > 0 {
		select {
		case out <- q.head():
			q.pop()
		case <-r.stop:
			return nil
		}
	}
	return err
}

// fifo is a queue of messages and their bytes; its array is reused.
type fifo struct {
	buf   []*Message
	first int // index of the head in buf
	bytes int
}

func (q *fifo) len() int { return len(q.buf) - q.first }

func (q *fifo) push(m *Message) {
	if q.first > 0 && q.first >= len(q.buf)/2 { // compact before growing
		n := copy(q.buf, q.buf[q.first:])
		clear(q.buf[n:])
		q.buf, q.first = q.buf[:n], 0
	}
	q.buf = append(q.buf, m)
	q.bytes += m.Size
}

// head is the first message (nil if none).
func (q *fifo) head() *Message {
	if q.len() == 0 {
		return nil
	}
	return q.buf[q.first]
}

func (q *fifo) pop() {
	q.bytes -= q.buf[q.first].Size
	q.buf[q.first] = nil // no longer kept alive by the array
	q.first++
	if q.first == len(q.buf) {
		q.buf, q.first = q.buf[:0], 0
	}
}
