package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Large payloads are written from where they are, small ones copied into
// the group buffer: a group mixing them reads back byte for byte from the
// file after a reopen.
func TestGroupMixingLargeAndSmallPayloads(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	sizes := []int{0, 10, inlinePayload - 1, inlinePayload, 100 << 10, 3, 300 << 10, 1}
	values := map[int64]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range sizes { // concurrent, so that groups form
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := string(bytes.Repeat([]byte{byte('a' + i)}, n))
			start := ts.next()
			mustWrite(t, a, prewrite(start, v))
			mu.Lock()
			values[start] = v
			mu.Unlock()
		}()
	}
	wg.Wait()
	closeTest(t, a)

	k := testKnobs()
	k.recentBytes = 0 // read from the file
	a, err := openWithKnobs(dir, testOptions(), k)
	require.NoError(t, err)
	defer closeTest(t, a)
	for start, v := range values {
		b, err := a.ReadBinlog(start)
		require.NoError(t, err)
		require.Equal(t, binlogpb.BinlogType_Prewrite, b.GetTp())
		require.Equal(t, v, string(b.GetPrewriteValue()), "start %d", start)
	}
}

// writeAtv writes more buffers than one pwritev takes, in order.
func TestWriteAtvManyBuffers(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer f.Close()
	var bufs [][]byte
	var want []byte
	for i := range 3000 {
		b := []byte(fmt.Sprintf("%d,", i))
		if i%7 == 0 {
			b = nil // empty buffers are skipped
		}
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	require.NoError(t, writeAtv(f, bufs, 5))
	require.NoError(t, writeAtv(f, [][]byte{nil, {}}, 0), "nothing to write")
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.Equal(t, append(make([]byte, 5), want...), got)
}
