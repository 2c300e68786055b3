package kafkareader

import (
	"sync"

	"github.com/IBM/sarama"
)

// MaxMessageSize is the largest message a producer or reader of this module
// handles: the drainer's default kafka-max-message-size (1 GiB).
const MaxMessageSize = 1 << 30

// requestSlack is room for the request and record-batch headers around the
// largest message.
const requestSlack = 1 << 20

var raiseOnce sync.Once

// RaiseSaramaLimits raises sarama's process-wide request and response size
// limits (100 MiB by default) to fit MaxMessageSize messages. It writes
// sarama's package variables once; call it before creating the first sarama
// client of the process (New of this package and of the drainer's Kafka sink
// do).
func RaiseSaramaLimits() {
	raiseOnce.Do(func() {
		sarama.MaxRequestSize = MaxMessageSize + requestSlack
		sarama.MaxResponseSize = MaxMessageSize + requestSlack
	})
}
