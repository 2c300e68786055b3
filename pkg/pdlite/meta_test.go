package pdlite

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readHex(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	v, err := hex.DecodeString(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return v
}

func TestMetaEncodingGolden(t *testing.T) {
	require.Equal(t, readHex(t, "testdata/cluster_id.hex"), encodeUint64(0x0b8e2f6a7c1d4e5f))
	id, err := decodeUint64(readHex(t, "testdata/cluster_id.hex"))
	require.NoError(t, err)
	require.Equal(t, uint64(0x0b8e2f6a7c1d4e5f), id)

	// 2023-11-14T22:13:20.123Z as Unix nanoseconds, like PD's /pd/<id>/timestamp.
	require.Equal(t, readHex(t, "testdata/timestamp.hex"), encodeBound(1_700_000_000_123))
	ms, err := decodeBound(readHex(t, "testdata/timestamp.hex"))
	require.NoError(t, err)
	require.Equal(t, int64(1_700_000_000_123), ms)
}

func TestDecodeBoundRoundsUp(t *testing.T) {
	ms, err := decodeBound(encodeUint64(1_700_000_000_123_000_001))
	require.NoError(t, err)
	require.Equal(t, int64(1_700_000_000_124), ms, "a bound is never lowered")
	_, err = decodeBound([]byte{1, 2, 3})
	require.ErrorIs(t, err, ErrBadMeta)
	_, err = decodeBound(encodeUint64(1 << 63))
	require.ErrorIs(t, err, ErrBadMeta)
}

func FuzzDecodeBound(f *testing.F) {
	f.Add(encodeBound(1_700_000_000_123))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := decodeBound(b)
		if err != nil {
			return
		}
		// Re-encoding never gives a smaller bound than the one stored.
		v, _ := decodeUint64(b)
		again, err := decodeUint64(encodeBound(ms))
		require.NoError(t, err)
		require.GreaterOrEqual(t, again, v)
	})
}
