package binlogfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// writeFrames writes a file of frames and returns its path and the offset
// of each frame.
func writeFrames(t *testing.T, payloads [][]byte) (string, []int64) {
	t.Helper()
	var buf []byte
	var offs []int64
	for _, p := range payloads {
		offs = append(offs, int64(len(buf)))
		buf = AppendFrame(buf, p)
	}
	path := filepath.Join(t.TempDir(), "binlog-0000000000000000-20200101000000")
	require.NoError(t, os.WriteFile(path, buf, 0o600))
	return path, offs
}

// result is what one Next returned.
type result struct {
	payload []byte
	offset  int64
	err     error
}

func drain(t *testing.T, r *Reader) []result {
	t.Helper()
	var out []result
	for range 1000 {
		p, off, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		out = append(out, result{p, off, err})
	}
	t.Fatal("reader does not end")
	return nil
}

func samplePayloads() [][]byte {
	return [][]byte{payloadN(1, 50), payloadN(2, 300), payloadN(3, 70), payloadN(4, 10)}
}

func TestReaderEmptyAndMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "binlog-0000000000000000")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	r := NewReader(path, 0, nil)
	_, _, err := r.Next()
	require.ErrorIs(t, err, io.EOF)
	require.Nil(t, r.TornTail())
	require.NoError(t, r.Close())

	r = NewReader(path+"-missing", 0, nil)
	_, _, err = r.Next()
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestReaderTornTail(t *testing.T) {
	payloads := samplePayloads()
	full, offs := writeFrames(t, payloads)
	data, err := os.ReadFile(full)
	require.NoError(t, err)
	last := offs[len(offs)-1]
	// Cut inside the header, inside the payload, and inside the checksum.
	for _, cut := range []int64{last + 1, last + 5, last + 12, last + 20, int64(len(data)) - 1} {
		path := filepath.Join(t.TempDir(), "binlog-0000000000000001")
		require.NoError(t, os.WriteFile(path, data[:cut], 0o600))
		r := NewReader(path, 0, nil)
		res := drain(t, r)
		require.Len(t, res, len(payloads)-1, "cut %d", cut)
		for i, x := range res {
			require.NoError(t, x.err)
			require.Equal(t, payloads[i], x.payload)
		}
		require.NotNil(t, r.TornTail())
		require.Equal(t, last, r.TornTail().Offset)
		require.Equal(t, last, r.Offset())

		// The writer finishes the frame: the same reader picks it up.
		require.NoError(t, os.WriteFile(path, data, 0o600))
		p, off, err := r.Next()
		require.NoError(t, err, "cut %d", cut)
		require.Equal(t, payloads[len(payloads)-1], p)
		require.Equal(t, int64(len(data)), off)
		_, _, err = r.Next()
		require.ErrorIs(t, err, io.EOF)
		require.Nil(t, r.TornTail())
		require.NoError(t, r.Close())
	}
}

func TestReaderCorruptionInTheMiddle(t *testing.T) {
	payloads := samplePayloads()
	path, offs := writeFrames(t, payloads)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	cases := []struct {
		name  string
		at    int64 // byte to flip
		cause error
	}{
		{"magic", offs[1], ErrMagicMismatch},
		{"length", offs[1] + 6, ErrTruncated},
		{"payload", offs[1] + 100, ErrCRCMismatch},
		{"crc", offs[2] - 1, ErrCRCMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := bytes.Clone(data)
			bad[c.at] ^= 0xff
			require.NoError(t, os.WriteFile(path, bad, 0o600))
			reg := prometheus.NewRegistry()
			r := NewReaderWithOptions(path, 0, ReaderOptions{Registerer: reg})
			defer r.Close()
			res := drain(t, r)
			require.Len(t, res, 4)
			require.Equal(t, payloads[0], res[0].payload)
			var ce *CorruptionError
			require.ErrorAs(t, res[1].err, &ce)
			require.Equal(t, path, ce.File)
			require.Equal(t, offs[1], ce.Offset)
			require.ErrorIs(t, res[1].err, c.cause)
			require.Equal(t, offs[2], res[1].offset) // where reading resumes
			require.Equal(t, payloads[2], res[2].payload)
			require.Equal(t, payloads[3], res[3].payload)
			require.Nil(t, r.TornTail())
			require.Equal(t, 1.0, counterValue(t, r.m.corruptionHits))
		})
	}
}

func TestReaderGarbageBetweenFrames(t *testing.T) {
	var buf []byte
	buf = AppendFrame(buf, []byte("a"))
	buf = append(buf, 0x04, 0x05, 0x1b, 0x1c, 9, 9) // a magic without a frame
	buf = append(buf, bytes.Repeat([]byte{0x42}, 3000)...)
	second := int64(len(buf))
	buf = AppendFrame(buf, []byte("b"))
	path := filepath.Join(t.TempDir(), "binlog-0000000000000000")
	require.NoError(t, os.WriteFile(path, buf, 0o600))
	r := NewReader(path, 0, nil)
	defer r.Close()
	res := drain(t, r)
	require.Len(t, res, 3)
	require.Equal(t, []byte("a"), res[0].payload)
	var ce *CorruptionError
	require.ErrorAs(t, res[1].err, &ce)
	require.Equal(t, int64(FrameOverhead+1), ce.Offset)
	require.Equal(t, second, res[1].offset)
	require.Equal(t, []byte("b"), res[2].payload)
}

func TestReaderBigFrames(t *testing.T) {
	payloads := [][]byte{payloadN(1, 3*readChunk+17), payloadN(2, 5), payloadN(3, readChunk)}
	path, _ := writeFrames(t, payloads)
	require.Equal(t, payloads, readAll(t, path))
}

func TestReaderCompressedFile(t *testing.T) {
	payloads := samplePayloads()
	var raw []byte
	for _, p := range payloads {
		raw = AppendFrame(raw, p)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, err := zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	name := "binlog-0000000000000003-20190101010101-407623959013752832.tar.gz"
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, z.Bytes(), 0o600))
	require.Equal(t, payloads, readAll(t, path))

	// A torn gzip stream still yields the complete frames before the tear.
	require.NoError(t, os.WriteFile(path, z.Bytes()[:z.Len()-10], 0o600))
	got := readAll(t, path)
	require.NotEmpty(t, got)
	require.Equal(t, payloads[:len(got)], got)
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}

// A tailing reader stopped at a torn tail that the writer then cuts and
// overwrites with another frame reads the new frame.
func TestReaderTornTailRewritten(t *testing.T) {
	path, _ := writeFrames(t, [][]byte{[]byte("first")})
	x := int64(FrameOverhead + 5)
	// A header claiming 100 bytes and 2 of them: short enough that the
	// reader's window still holds it when the writer rewrites the tail.
	appendBytes(t, path, AppendFrame(nil, bytes.Repeat([]byte("t"), 100))[:HeaderSize+2])
	r := NewReader(path, 0, nil)
	defer r.Close()
	p, _, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, []byte("first"), p)
	_, _, err = r.Next()
	require.ErrorIs(t, err, io.EOF)
	require.NotNil(t, r.TornTail())

	require.NoError(t, os.Truncate(path, x))
	appendBytes(t, path, AppendFrame(nil, []byte("second")))
	p, off, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, []byte("second"), p)
	require.Equal(t, x+FrameOverhead+6, off)
}
