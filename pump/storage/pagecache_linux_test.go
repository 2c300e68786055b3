package storage

import (
	"bytes"
	"os"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// residentPages reports, for each page of the first size bytes of path,
// whether it is in the page cache (mincore of a read-only mapping).
func residentPages(path string, size int64) ([]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	defer func() { _ = unix.Munmap(m) }()
	vec := make([]byte, (size+pageSize-1)/pageSize)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)),
		uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		return nil, errno
	}
	out := make([]bool, len(vec))
	for i, v := range vec {
		out[i] = v&1 == 1
	}
	return out, nil
}

func isTmpfs(dir string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, err
	}
	return st.Type == unix.TMPFS_MAGIC, nil
}

// TestSyncedPagesDroppedBehindTheWriter: with sync-log on, the page cache
// keeps the newest pageCacheKeep bytes of the value log (for pullers that
// lag) and drops what is older.
func TestSyncedPagesDroppedBehindTheWriter(t *testing.T) {
	dir := t.TempDir()
	if tmpfs, err := isTmpfs(dir); err != nil || tmpfs {
		t.Skipf("the page cache of %s cannot be dropped (tmpfs: %v, err: %v)", dir, tmpfs, err)
	}
	o := testOptions()
	o.SyncLog = true
	k := testKnobs()
	k.pageCacheKeep = 2 << 20
	a, err := openWithKnobs(dir, o, k)
	require.NoError(t, err)
	defer closeTest(t, a)
	ts := newTSO()
	value := string(bytes.Repeat([]byte{'v'}, 64<<10))
	for range 64 { // 8 MiB: two binlogs of 64 KiB a transaction
		writeTxn(t, a, ts, value)
	}
	end := a.vlog.end().offset
	resident, err := residentPages(vlogPath(dir, 0), end)
	require.NoError(t, err)
	pages := len(resident)
	oldest := countTrue(resident[:pages/2])
	newest := countTrue(resident[pages-(1<<20)/pageSize:])
	require.Zero(t, oldest, "pages more than 2 MiB behind the end are dropped")
	// The kernel may reclaim any cached page at any time (a make-test run
	// saw 252 of the 256 pages), so only most of the newest MiB is required.
	require.Greater(t, newest, (1<<20)/pageSize/2, "the newest MiB stays in the page cache")
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
