package storage

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, []byte("hello")))
	f.Add(appendRecord(nil, nil))
	f.Add(appendRecord(nil, []byte("x"))[:10])
	bad := appendRecord(nil, []byte("checksum"))
	bad[len(bad)-1] ^= 1
	f.Add(bad)
	f.Add([]byte{0xe8, 0x56, 0x3a, 0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, n, err := decodeRecord(b)
		if err != nil {
			require.True(t, isDecodeError(err))
			return
		}
		require.Equal(t, b[:n], appendRecord(nil, payload), "re-encoding gives the same bytes")
	})
}

func FuzzScanRecords(f *testing.F) {
	two := appendRecord(appendRecord(nil, []byte("a")), []byte("bb"))
	f.Add(two)
	f.Add(append(append([]byte("junk"), two...), 0xe8, 0x56))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := scanRecords(bytes.NewReader(b), "fuzz", 0, 0, int64(len(b)),
			func(p valuePointer, payload []byte) error {
				got, _, err := decodeRecord(b[p.offset:])
				require.NoError(t, err)
				require.Equal(t, got, payload)
				return nil
			}, func(*CorruptionError) {})
		require.NoError(t, err)
		require.LessOrEqual(t, res.validEnd, int64(len(b)))
	})
}
