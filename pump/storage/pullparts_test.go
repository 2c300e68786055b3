package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// PullCommitBinlogFunc sends a merged commit as the pieces of the payload
// PullCommitBinlog sends joined; a fake binlog as stored, in Payload.
func TestPullFuncSendsMergedParts(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	writeTxn(t, a, ts, "small")
	writeTxn(t, a, ts, strings.Repeat("large", 20<<10))
	fakeTS := ts.next()
	require.NoError(t, writeB(context.Background(), a, fake(fakeTS)))

	chCtx, stop := context.WithCancel(t.Context())
	ch := a.PullCommitBinlog(chCtx, 0)
	var joined []PulledBinlog
	for range 3 {
		joined = append(joined, <-ch)
	}
	stop()
	for range ch { // until the pull goroutine ends
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	i := 0
	err := a.PullCommitBinlogFunc(ctx, 0, func(b PulledBinlog) error {
		want := joined[i]
		require.Nil(t, want.Parts, "the channel sends joined payloads")
		require.Equal(t, want.CommitTS, b.CommitTS)
		require.Equal(t, want.StartTS, b.StartTS)
		require.Equal(t, want.Payload, b.Bytes())
		if b.CommitTS == fakeTS {
			require.Nil(t, b.Parts)
		} else {
			require.Nil(t, b.Payload, "a merged binlog is sent in pieces")
			require.NotEmpty(t, b.Parts)
		}
		if i++; i == len(joined) {
			cancel()
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(joined), i)
}
