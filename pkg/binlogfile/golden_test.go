package binlogfile

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type goldenRecord struct {
	PayloadHex string `json:"payload_hex"`
	FrameHex   string `json:"frame_hex"`
	CommitTS   int64  `json:"commit_ts"`
	EndOffset  int64  `json:"end_offset"`
}

type goldenFile struct {
	Records []goldenRecord `json:"records"`
	File    struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
	} `json:"file"`
}

func loadGolden(t testing.TB) (goldenFile, [][]byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(data, &g))
	require.Len(t, g.Records, 3)
	payloads := make([][]byte, len(g.Records))
	for i, r := range g.Records {
		payloads[i] = mustHex(t, r.PayloadHex)
	}
	return g, payloads
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// readAll reads every payload of the file, failing on any error but EOF.
func readAll(t testing.TB, path string) [][]byte {
	t.Helper()
	r := NewReader(path, 0, nil)
	defer r.Close()
	var out [][]byte
	for {
		p, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, p)
	}
}

func TestGoldenFrames(t *testing.T) {
	g, payloads := loadGolden(t)
	for i, r := range g.Records {
		require.Equal(t, r.FrameHex, hex.EncodeToString(AppendFrame(nil, payloads[i])), "record %d", i)
	}
}

func TestGoldenWriterMatchesOriginalFile(t *testing.T) {
	g, payloads := loadGolden(t)
	want, err := os.ReadFile(filepath.Join("testdata", g.File.Name))
	require.NoError(t, err)
	require.Len(t, want, int(g.File.Size))

	dir := t.TempDir()
	at := time.Date(2026, 12, 6, 6, 10, 48, 0, time.Local)
	b, err := OpenBinlogger(dir, Options{Now: func() time.Time { return at }})
	require.NoError(t, err)
	for i, p := range payloads {
		require.NoError(t, b.WriteTail(p))
		require.Equal(t, Pos{Index: 0, Offset: g.Records[i].EndOffset}, b.Pos())
	}
	require.NoError(t, b.Close())

	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, g.File.Name)}, files)
	got, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestGoldenReaderReadsOriginalFile(t *testing.T) {
	g, payloads := loadGolden(t)
	path := filepath.Join("testdata", g.File.Name)
	r := NewReader(path, 0, nil)
	defer r.Close()
	for i := range payloads {
		p, off, err := r.Next()
		require.NoError(t, err)
		require.Equal(t, payloads[i], p)
		require.Equal(t, g.Records[i].EndOffset, off)
	}
	_, _, err := r.Next()
	require.ErrorIs(t, err, io.EOF)
	require.Nil(t, r.TornTail())

	// Resuming at an offset Next returned.
	r2 := NewReader(path, g.Records[0].EndOffset, nil)
	defer r2.Close()
	p, _, err := r2.Next()
	require.NoError(t, err)
	require.Equal(t, payloads[1], p)
}
