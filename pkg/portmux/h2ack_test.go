package portmux

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceAckFilter is the filter applied to a whole buffer at once.
func referenceAckFilter(in []byte) []byte {
	if len(in) <= h2PrefaceLen {
		return append([]byte{}, in...)
	}
	out := append([]byte{}, in[:h2PrefaceLen]...)
	rest := in[h2PrefaceLen:]
	for len(rest) >= h2FrameHeaderLen {
		length := int(binary.BigEndian.Uint32(append([]byte{0}, rest[:3]...)))
		if rest[3] == h2FrameSettings && rest[4]&h2FlagSettingsAck != 0 && length == 0 {
			return append(out, rest[h2FrameHeaderLen:]...)
		}
		n := min(h2FrameHeaderLen+length, len(rest))
		out = append(out, rest[:n]...)
		rest = rest[n:]
	}
	return out // a partial frame header is held back
}

func frame(tp, flags byte, payload []byte) []byte {
	h := make([]byte, h2FrameHeaderLen, h2FrameHeaderLen+len(payload))
	binary.BigEndian.PutUint32(h, uint32(len(payload))<<8)
	h[3], h[4] = tp, flags
	return append(h, payload...)
}

func feedChunks(in []byte, chunk int) []byte {
	f := newH2AckFilter()
	var out []byte
	for len(in) > 0 {
		n := min(chunk, len(in))
		out = f.feed(in[:n], out)
		in = in[n:]
	}
	return out
}

func TestH2AckFilterDropsFirstSettingsAck(t *testing.T) {
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	settings := frame(h2FrameSettings, 0, []byte{0, 3, 0, 0, 0, 100})
	ack := frame(h2FrameSettings, h2FlagSettingsAck, nil)
	headers := frame(0x1, 0x4, []byte("hdrs"))
	in := bytes.Join([][]byte{preface, settings, headers, ack, headers, ack}, nil)
	want := bytes.Join([][]byte{preface, settings, headers, headers, ack}, nil)
	for _, chunk := range []int{1, 2, 5, 9, 24, 1000} {
		require.Equal(t, want, feedChunks(in, chunk), "chunk %d", chunk)
	}
	require.Equal(t, want, referenceAckFilter(in))
}

func FuzzH2AckFilter(f *testing.F) {
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	f.Add(append(append([]byte{}, preface...), frame(h2FrameSettings, h2FlagSettingsAck, nil)...), 3)
	f.Add(append(append([]byte{}, preface...), frame(0, 0, []byte("data"))...), 7)
	f.Add([]byte("GET / HTTP/1.1\r\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 || chunk > 1<<16 {
			chunk = 1
		}
		want, got := referenceAckFilter(in), feedChunks(in, chunk)
		require.True(t, bytes.Equal(want, got), "want %x got %x", want, got)
	})
}
