package resolver

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// localPath is the repository's copy of the golden /mvcc/hex answers
// captured from TiDB.
const localPath = "testdata/mvcc.json"

// goldenCase is one captured /mvcc/hex answer of testdata/mvcc.json.
type goldenCase struct {
	Name        string `json:"name"`
	KeyHex      string `json:"key_hex"`
	HTTPRequest string `json:"http_request"`
	Body        string `json:"http_body_exact"`
	BodyExact   string `json:"body_exact"` // synthetic entries
}

func (c goldenCase) body() string {
	if c.Body != "" {
		return c.Body
	}
	return c.BodyExact
}

type goldenFile struct {
	Live      []goldenCase `json:"live"`
	Synthetic []goldenCase `json:"synthetic_tikv_shaped"`
}

func loadGolden(t testing.TB) map[string]goldenCase {
	t.Helper()
	raw, err := os.ReadFile(localPath)
	require.NoError(t, err)
	var f goldenFile
	require.NoError(t, json.Unmarshal(raw, &f))
	out := make(map[string]goldenCase)
	for _, c := range append(f.Live, f.Synthetic...) {
		require.NotEmpty(t, c.body(), c.Name)
		if c.KeyHex == "" { // synthetic entries name their key only inside the body
			var b struct{ Key string }
			require.NoError(t, json.Unmarshal([]byte(c.body()), &b))
			c.KeyHex = b.Key
		}
		out[c.Name] = c
	}
	return out
}

func TestDecideGolden(t *testing.T) {
	g := loadGolden(t)
	tests := []struct {
		name     string
		startTS  int64
		kind     verdictKind
		commitTS int64
	}{
		{"committed_txn_primary", 470626763215994880, verdictCommitted, 470626763216257024},
		{"rolled_back_txn_primary", 470626763386912768, verdictRolledBack, 0},
		{"rolled_back_txn_primary", 470626763467390976, verdictCommitted, 470626763467390977},
		{"rolled_back_txn_primary", 470626761843671040, verdictCommitted, 470626761843671041},
		{"rolled_back_txn_primary", 470626763386912769, verdictNoRecord, 0},
		{"committed_single_put", 470626761930178560, verdictCommitted, 470626761930178561},
		{"inflight_pessimistic_lock", 470626763641716736, verdictLocked, 0},
		{"inflight_pessimistic_lock", 470626761930178560, verdictCommitted, 470626761930178561},
		{"inflight_prewrite_lock", 470626763641978880, verdictLocked, 0},
		{"inflight_prewrite_lock", 470626763641978881, verdictNoRecord, 0},
		{"rolled_back_prewrite", 470626763641978880, verdictRolledBack, 0},
		{"nonexistent_key", 470626763641978880, verdictNoRecord, 0},
		{"committed (TiKV-shaped)", 440000000000000010, verdictCommitted, 440000000000000011},
		{"rolled back newest-first (TiKV-shaped)", 440000000000000050, verdictRolledBack, 0},
		{"rolled back newest-first (TiKV-shaped)", 440000000000000010, verdictCommitted, 440000000000000011},
		{"in-flight prewrite lock (TiKV-shaped)", 440000000000000100, verdictLocked, 0},
		{"in-flight delete lock (TiKV-shaped)", 440000000000000100, verdictLocked, 0},
		{"in-flight pessimistic lock (TiKV-shaped)", 440000000000000100, verdictLocked, 0},
		{"key without any version (empty MvccInfo)", 440000000000000100, verdictNoRecord, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := g[tt.name]
			require.True(t, ok, "golden case %q", tt.name)
			info, err := parseMVCC([]byte(c.body()))
			require.NoError(t, err)
			v := decide(info, tt.startTS)
			require.Equal(t, tt.kind, v.kind, v.kind.String())
			require.Equal(t, tt.commitTS, v.commitTS)
		})
	}
}

func TestParseGoldenLockFields(t *testing.T) {
	g := loadGolden(t)
	info, err := parseMVCC([]byte(g["inflight_pessimistic_lock"].body()))
	require.NoError(t, err)
	require.Equal(t, int32(opPessimisticLock), info.Lock.Type)
	// Primary is base64 in JSON: "dIAAAAAAAABWX3KAAAAAAAAABA==" is the row key itself.
	require.Equal(t, "7480000000000000565f728000000000000004", hex.EncodeToString(info.Lock.Primary))

	info, err = parseMVCC([]byte(g["inflight_prewrite_lock"].body()))
	require.NoError(t, err)
	require.Equal(t, int32(opPut), info.Lock.Type, "Put is omitted from the JSON")
	require.NotEmpty(t, info.Lock.ShortValue)
	require.Empty(t, info.Writes)

	info, err = parseMVCC([]byte(g["in-flight pessimistic lock (TiKV-shaped)"].body()))
	require.NoError(t, err)
	require.Equal(t, uint64(20000), info.Lock.TTL)
	require.Equal(t, uint64(440000000000000105), info.Lock.ForUpdateTS)

	info, err = parseMVCC([]byte(g["committed_txn_primary"].body()))
	require.NoError(t, err)
	require.Len(t, info.Values, 1)
	require.Equal(t, info.Writes[0].ShortValue, info.Values[0].Value)
}

func TestParseMVCCShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr bool
		empty   bool
	}{
		{"no value", `{"key":"74","region_id":2}`, false, true},
		{"null value", `{"key":"74","value":null}`, false, true},
		{"no info", `{"key":"74","value":{}}`, false, true},
		{"error string", `{"key":"74","value":{"error":"region unavailable"}}`, true, false},
		{"region error", `{"key":"74","value":{"region_error":{"message":"epoch not match"}}}`, true, false},
		{"null region error", `{"key":"74","value":{"region_error":null,"info":{}}}`, false, true},
		{"not json", `<html>`, true, false},
		{"bad base64", `{"value":{"info":{"writes":[{"short_value":"!!"}]}}}`, true, false},
		{"negative ts", `{"value":{"info":{"writes":[{"start_ts":-1}]}}}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := parseMVCC([]byte(tt.body))
			if tt.wantErr {
				require.ErrorIs(t, err, ErrBadMVCC)
				return
			}
			require.NoError(t, err)
			if tt.empty {
				require.Nil(t, info.Lock)
				require.Empty(t, info.Writes)
			}
		})
	}
}

func TestDecideFoldedRollbacks(t *testing.T) {
	const start = 100
	overlapped := &mvccInfo{Writes: []mvccWrite{{StartTS: 90, CommitTS: start, HasOverlappedRollback: true}}}
	require.Equal(t, verdictRolledBack, decide(overlapped, start).kind)

	plainCommitAtStart := &mvccInfo{Writes: []mvccWrite{{StartTS: 90, CommitTS: start}}}
	require.Equal(t, verdictNoRecord, decide(plainCommitAtStart, start).kind)

	lockRollback := &mvccInfo{Lock: &mvccLock{StartTS: 200, RollbackTS: []uint64{50, start}}}
	require.Equal(t, verdictRolledBack, decide(lockRollback, start).kind)

	otherLock := &mvccInfo{Lock: &mvccLock{StartTS: 200}}
	require.Equal(t, verdictNoRecord, decide(otherLock, start).kind)

	lockedWrite := &mvccInfo{Writes: []mvccWrite{{Type: 2, StartTS: start, CommitTS: 105}}}
	v := decide(lockedWrite, start)
	require.Equal(t, verdictCommitted, v.kind, "a Lock-type write of the txn still means committed")
	require.Equal(t, int64(105), v.commitTS)
}

func FuzzParseMVCC(f *testing.F) {
	for _, c := range loadGolden(f) {
		f.Add([]byte(c.body()), int64(470626763386912768))
	}
	f.Add([]byte(`{"value":{"info":{"lock":{"start_ts":5,"rollback_ts":[1,2]}}}}`), int64(2))
	f.Add([]byte(`{"value":{"error":"x"}}`), int64(0))
	f.Add([]byte(`null`), int64(-1))
	f.Fuzz(func(t *testing.T, body []byte, startTS int64) {
		info, err := parseMVCC(body)
		if err != nil {
			require.ErrorIs(t, err, ErrBadMVCC)
			return
		}
		require.NotNil(t, info)
		v := decide(info, startTS)
		switch v.kind {
		case verdictLocked:
			require.Equal(t, uint64(startTS), v.lock.StartTS)
		case verdictCommitted, verdictRolledBack, verdictNoRecord:
		default:
			t.Fatalf("unknown verdict %d", v.kind)
		}
	})
}
