package storage

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// addOne adds the record of payload at fid, off.
func addOne(c *recentRecords, fid uint32, off int64, payload string) {
	c.add([]valuePointer{{fid: fid, offset: off}}, [][]byte{[]byte(payload)})
}

func requireRecent(t *testing.T, c *recentRecords, fid uint32, off int64, want string) {
	t.Helper()
	got, ok := c.get(valuePointer{fid: fid, offset: off})
	if want == "" {
		require.False(t, ok, "fid %d offset %d is not held", fid, off)
		return
	}
	require.True(t, ok, "fid %d offset %d is held", fid, off)
	require.Equal(t, want, string(got))
}

func TestRecentRecordsEvictOldestByBytes(t *testing.T) {
	c := newRecentRecords(10)
	c.add([]valuePointer{{0, 0}, {0, 20}}, [][]byte{[]byte("aaaa"), []byte("bbbb")})
	requireRecent(t, c, 0, 0, "aaaa")
	requireRecent(t, c, 0, 20, "bbbb")
	requireRecent(t, c, 0, 10, "")

	addOne(c, 0, 40, "cccc") // 12 bytes > 10: the oldest goes
	requireRecent(t, c, 0, 0, "")
	requireRecent(t, c, 0, 20, "bbbb")
	requireRecent(t, c, 0, 40, "cccc")

	addOne(c, 1, 0, "dd") // the next file
	requireRecent(t, c, 1, 0, "dd")
	requireRecent(t, c, 0, 40, "cccc")
	c.dropFiles(0)
	requireRecent(t, c, 0, 20, "")
	requireRecent(t, c, 0, 40, "")
	requireRecent(t, c, 1, 0, "dd")

	addOne(c, 1, 18, "a payload larger than the budget")
	requireRecent(t, c, 1, 18, "")
	requireRecent(t, c, 1, 0, "")
	require.Zero(t, c.size)
}

func TestRecentRecordsCompactAndDisabled(t *testing.T) {
	c := newRecentRecords(100)
	for i := range 5000 {
		addOne(c, 0, int64(i)*20, fmt.Sprintf("%04d", i))
	}
	require.Less(t, len(c.entries), 2100, "the evicted entries are compacted away")
	for i := 4975; i < 5000; i++ {
		requireRecent(t, c, 0, int64(i)*20, fmt.Sprintf("%04d", i))
	}
	requireRecent(t, c, 0, 4974*20, "")

	off := newRecentRecords(0)
	addOne(off, 0, 0, "x")
	requireRecent(t, off, 0, 0, "")
}

// TestPullFromFileAndFromMemoryAgree pulls the same transactions with and
// without the recent records.
func TestPullFromFileAndFromMemoryAgree(t *testing.T) {
	pull := func(recentBytes int) [][]byte {
		k := testKnobs()
		k.recentBytes = recentBytes
		a, err := openWithKnobs(t.TempDir(), testOptions(), k)
		require.NoError(t, err)
		defer closeTest(t, a)
		ts := newTSO()
		ts.last.Store(400000000000000000)
		for i := range 20 {
			writeTxn(t, a, ts, fmt.Sprint("value-", i))
		}
		mustWrite(t, a, fake(ts.next()))
		var out [][]byte
		for _, b := range receive(t, a.PullCommitBinlog(t.Context(), 0), 21) {
			out = append(out, b.Payload)
		}
		return out
	}
	fromFile, fromMemory := pull(0), pull(64<<20)
	require.Equal(t, fromFile, fromMemory)
	require.Equal(t, "value-7", string(unmarshal(t, fromFile[7]).PrewriteValue))
}
