package log

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
)

// textEncoder writes TiDB-style lines: [time] [LEVEL] [file:line] [message]
// followed by one [key=value] per field. buf holds the encoded context
// fields added through With.
type textEncoder struct {
	pool buffer.Pool
	buf  *buffer.Buffer
	ns   string // dotted prefix opened by zap.Namespace
}

var _ zapcore.Encoder = (*textEncoder)(nil)

func newTextEncoder() *textEncoder {
	pool := buffer.NewPool()
	return &textEncoder{pool: pool, buf: pool.Get()}
}

func (e *textEncoder) Clone() zapcore.Encoder {
	c := &textEncoder{pool: e.pool, buf: e.pool.Get(), ns: e.ns}
	c.buf.AppendBytes(e.buf.Bytes())
	return c
}

func (e *textEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	line := e.pool.Get()
	line.AppendByte('[')
	line.AppendTime(ent.Time, timeLayout)
	line.AppendString("] [")
	line.AppendString(ent.Level.CapitalString())
	line.AppendString("] [")
	if ent.Caller.Defined {
		line.AppendString(filepath.Base(ent.Caller.File))
		line.AppendByte(':')
		line.AppendInt(int64(ent.Caller.Line))
	} else {
		line.AppendString("<unknown>")
	}
	line.AppendString("] [")
	appendValue(line, ent.Message)
	line.AppendByte(']')
	fe := &textEncoder{pool: e.pool, buf: line}
	if ent.LoggerName != "" {
		fe.AddString("logger", ent.LoggerName)
	}
	line.AppendBytes(e.buf.Bytes())
	fe.ns = e.ns
	for _, f := range fields {
		f.AddTo(fe)
	}
	if ent.Stack != "" {
		fe.ns = ""
		fe.AddString("stack", ent.Stack)
	}
	line.AppendString(zapcore.DefaultLineEnding)
	return line, nil
}

// needsQuote reports whether s must be quoted to stay one token.
func needsQuote(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"=[]`, r) || !strconv.IsPrint(r) {
			return true
		}
	}
	return false
}

func appendValue(b *buffer.Buffer, s string) {
	if needsQuote(s) {
		b.AppendString(strconv.Quote(s))
		return
	}
	b.AppendString(s)
}

// key opens a field: " [key=".
func (e *textEncoder) key(k string) {
	e.buf.AppendString(" [")
	appendValue(e.buf, e.ns+k)
	e.buf.AppendByte('=')
}

func (e *textEncoder) str(k, v string) {
	e.key(k)
	appendValue(e.buf, v)
	e.buf.AppendByte(']')
}

func (e *textEncoder) AddString(k, v string)            { e.str(k, v) }
func (e *textEncoder) AddByteString(k string, v []byte) { e.str(k, string(v)) }
func (e *textEncoder) AddBinary(k string, v []byte) {
	e.str(k, base64.StdEncoding.EncodeToString(v))
}
func (e *textEncoder) AddBool(k string, v bool)              { e.str(k, strconv.FormatBool(v)) }
func (e *textEncoder) AddComplex128(k string, v complex128)  { e.str(k, fmt.Sprint(v)) }
func (e *textEncoder) AddComplex64(k string, v complex64)    { e.str(k, fmt.Sprint(v)) }
func (e *textEncoder) AddDuration(k string, v time.Duration) { e.str(k, v.String()) }
func (e *textEncoder) AddFloat64(k string, v float64)        { e.str(k, strconv.FormatFloat(v, 'g', -1, 64)) }
func (e *textEncoder) AddFloat32(k string, v float32) {
	e.str(k, strconv.FormatFloat(float64(v), 'g', -1, 32))
}
func (e *textEncoder) AddInt(k string, v int)         { e.AddInt64(k, int64(v)) }
func (e *textEncoder) AddInt64(k string, v int64)     { e.str(k, strconv.FormatInt(v, 10)) }
func (e *textEncoder) AddInt32(k string, v int32)     { e.AddInt64(k, int64(v)) }
func (e *textEncoder) AddInt16(k string, v int16)     { e.AddInt64(k, int64(v)) }
func (e *textEncoder) AddInt8(k string, v int8)       { e.AddInt64(k, int64(v)) }
func (e *textEncoder) AddUint(k string, v uint)       { e.AddUint64(k, uint64(v)) }
func (e *textEncoder) AddUint64(k string, v uint64)   { e.str(k, strconv.FormatUint(v, 10)) }
func (e *textEncoder) AddUint32(k string, v uint32)   { e.AddUint64(k, uint64(v)) }
func (e *textEncoder) AddUint16(k string, v uint16)   { e.AddUint64(k, uint64(v)) }
func (e *textEncoder) AddUint8(k string, v uint8)     { e.AddUint64(k, uint64(v)) }
func (e *textEncoder) AddUintptr(k string, v uintptr) { e.AddUint64(k, uint64(v)) }
func (e *textEncoder) AddTime(k string, v time.Time)  { e.str(k, v.Format(timeLayout)) }
func (e *textEncoder) OpenNamespace(k string)         { e.ns += k + "." }

// Arrays, objects and reflected values are written as (quoted) JSON.
func (e *textEncoder) AddArray(k string, v zapcore.ArrayMarshaler) error {
	m := zapcore.NewMapObjectEncoder()
	if err := m.AddArray(k, v); err != nil {
		return err
	}
	return e.AddReflected(k, m.Fields[k])
}

func (e *textEncoder) AddObject(k string, v zapcore.ObjectMarshaler) error {
	m := zapcore.NewMapObjectEncoder()
	if err := m.AddObject(k, v); err != nil {
		return err
	}
	return e.AddReflected(k, m.Fields[k])
}

func (e *textEncoder) AddReflected(k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode field %s: %w", k, err)
	}
	e.str(k, string(data))
	return nil
}
