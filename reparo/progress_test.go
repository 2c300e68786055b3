package reparo

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func fixedProgress(w *bytes.Buffer, tty bool, lg *zap.Logger) *progress {
	p := newProgress(w, tty, lg, time.Second)
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.begin = begin
	p.now = func() time.Time { return begin.Add(10 * time.Second) }
	p.setTotals(4, 4<<20)
	p.read(1, 1<<20)
	for i := range 100 {
		p.applied(int64(i+1), 10)
	}
	return p
}

func TestProgressLiveLineOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := fixedProgress(&buf, true, zap.NewNop())
	p.report()
	require.Equal(t, "\r\x1b[Kfiles 1/4, binlogs 100, rows 1000, 1.0 MiB/4.0 MiB (25.0%), 100 rows/s, 102.4 KiB/s, ETA 30s", buf.String())
	buf.Reset()
	st := p.summary(nil)
	require.Equal(t, "\r\x1b[Kdone: files 4, binlogs 100, rows 1000, 1.0 MiB in 10s (100 rows/s, 102.4 KiB/s), 0 damaged records skipped\n", buf.String())
	require.Equal(t, int64(1000), st.Rows)
	require.Equal(t, 10*time.Second, st.Elapsed)
}

func TestProgressLogLinesOtherwise(t *testing.T) {
	var buf bytes.Buffer
	core, logs := observer.New(zap.InfoLevel)
	p := fixedProgress(&buf, false, zap.New(core))
	p.report()
	p.corrupt()
	p.summary(errors.New("boom"))
	require.Empty(t, buf.String(), "no live line when stderr is not a terminal")
	entries := logs.All()
	require.Len(t, entries, 2)
	require.Equal(t, "restore progress", entries[0].Message)
	f := entries[0].ContextMap()
	require.Equal(t, int64(1000), f["rows"])
	require.Equal(t, int64(100), f["binlogs"])
	require.Equal(t, float64(100), f["rowsPerSecond"])
	require.Equal(t, 30*time.Second, f["eta"])
	require.Equal(t, "restore failed", entries[1].Message)
	require.Equal(t, int64(1), entries[1].ContextMap()["corrupt"])
}

func TestHumanBytes(t *testing.T) {
	require.Equal(t, "512 B", humanBytes(512))
	require.Equal(t, "1.5 KiB", humanBytes(1536))
	require.True(t, strings.HasSuffix(humanBytes(3<<30), "GiB"))
}
