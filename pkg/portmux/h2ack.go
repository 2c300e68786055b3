package portmux

import (
	"encoding/binary"
	"net"
)

// HTTP/2 constants used by the settings-ack filter.
const (
	h2PrefaceLen      = 24 // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	h2FrameHeaderLen  = 9
	h2FrameSettings   = 0x4
	h2FlagSettingsAck = 0x1
)

// The gRPC matcher of cmux answers every HTTP/2 client's SETTINGS with a
// SETTINGS frame of its own before it can see the content-type. When the
// connection turns out not to be gRPC it goes to the HTTP server, which
// never sent that SETTINGS frame and treats the client's acknowledgement of
// it as a protocol error. ackFilter removes that first SETTINGS ACK from
// what the HTTP server reads.

// h2AckFilter is the byte-level state machine: it passes the connection
// preface and whole frames through and drops the first SETTINGS ACK frame.
type h2AckFilter struct {
	prefaceLeft int
	header      [h2FrameHeaderLen]byte
	headerLen   int
	payloadLeft int
	droppedOnce bool
	passThrough bool
}

func newH2AckFilter() *h2AckFilter { return &h2AckFilter{prefaceLeft: h2PrefaceLen} }

// feed consumes in and appends the bytes to pass on to out.
func (f *h2AckFilter) feed(in, out []byte) []byte {
	for len(in) > 0 {
		switch {
		case f.passThrough:
			return append(out, in...)
		case f.prefaceLeft > 0 || f.payloadLeft > 0:
			left := &f.prefaceLeft
			if f.prefaceLeft == 0 {
				left = &f.payloadLeft
			}
			n := min(*left, len(in))
			out = append(out, in[:n]...)
			*left -= n
			in = in[n:]
		default:
			n := copy(f.header[f.headerLen:], in)
			f.headerLen += n
			in = in[n:]
			if f.headerLen == h2FrameHeaderLen {
				out = f.frameHeader(out)
			}
		}
	}
	return out
}

// frameHeader handles a complete frame header.
func (f *h2AckFilter) frameHeader(out []byte) []byte {
	f.headerLen = 0
	length := int(binary.BigEndian.Uint32(append([]byte{0}, f.header[:3]...)))
	isAck := f.header[3] == h2FrameSettings && f.header[4]&h2FlagSettingsAck != 0 && length == 0
	if isAck && !f.droppedOnce {
		f.droppedOnce, f.passThrough = true, true
		return out
	}
	f.payloadLeft = length
	return append(out, f.header[:]...)
}

// ackFilterConn applies h2AckFilter to what is read from an HTTP/2 connection.
type ackFilterConn struct {
	net.Conn
	f   *h2AckFilter
	buf []byte
	out []byte
}

func (c *ackFilterConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.f.passThrough {
			return c.Conn.Read(p)
		}
		if c.buf == nil {
			c.buf = make([]byte, 32<<10)
		}
		n, err := c.Conn.Read(c.buf)
		c.out = c.f.feed(c.buf[:n], c.out[:0])
		if err != nil && len(c.out) == 0 {
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// ackFilterListener wraps every accepted connection in an ackFilterConn.
type ackFilterListener struct{ net.Listener }

func (l ackFilterListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &ackFilterConn{Conn: c, f: newH2AckFilter()}, nil
}
