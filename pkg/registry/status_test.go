package registry

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatusJSONGolden(t *testing.T) {
	cases := map[string]*Status{
		"testdata/status.golden.json": {
			NodeID: "pump-host:8250", Addr: "127.0.0.1:8250", State: Online,
			MaxCommitTS: 419430400000000005, UpdateTS: 419430400000000006,
		},
		"testdata/status_labels.golden.json": {
			NodeID: "drainer-1", Addr: "10.0.0.2:8249", State: Paused, IsAlive: true, Score: 3,
			Label: &Label{Labels: map[string]string{"zone": "z1"}}, MaxCommitTS: 1, UpdateTS: 2,
		},
	}
	for file, st := range cases {
		golden, err := os.ReadFile(file)
		require.NoError(t, err)
		got, err := json.Marshal(st)
		require.NoError(t, err)
		require.Equal(t, strings.TrimSpace(string(golden)), string(got))

		back, err := decodeStatus([]byte("/k"), golden)
		require.NoError(t, err)
		require.Equal(t, st, back)

		var keys map[string]any
		require.NoError(t, json.Unmarshal(golden, &keys))
		require.Len(t, keys, 8)
		for _, k := range []string{"nodeId", "host", "state", "isAlive", "score", "label", "maxCommitTS", "updateTS"} {
			require.Contains(t, keys, k)
		}
	}
}

func TestDecodeStatusNodeIDFromKey(t *testing.T) {
	st, err := decodeStatus([]byte(NodeKey(KindPump, "p1")), []byte(`{"state":"online"}`))
	require.NoError(t, err)
	require.Equal(t, "p1", st.NodeID)
	_, err = decodeStatus([]byte("/k"), []byte(`{`))
	require.Error(t, err)
}

func TestValidState(t *testing.T) {
	for _, s := range []string{Online, Pausing, Paused, Closing, Offline} {
		require.True(t, ValidState(s), s)
	}
	for _, s := range []string{"", "Online", "unknown"} {
		require.False(t, ValidState(s), s)
	}
}

func TestNodeKeys(t *testing.T) {
	require.Equal(t, "/tidb-binlog/v1/pumps/h:8250", NodeKey(KindPump, "h:8250"))
	require.Equal(t, "/tidb-binlog/v1/drainers/d", NodeKey(KindDrainer, "d"))
	for _, c := range []struct {
		key, kind, id string
		ok            bool
	}{
		{"/tidb-binlog/v1/pumps/h:8250", KindPump, "h:8250", true},
		{"/tidb-binlog/v1/drainers/d1", KindDrainer, "d1", true},
		{"/tidb-binlog/pumps/legacy:8250", KindPump, "legacy:8250", true},
		{"/tidb-binlog/drainers/old", KindDrainer, "old", true},
		{"/tidb-binlog/v1/pumps/", "", "", false},
		{"/tidb-binlog/v1/pumps", "", "", false},
		{"/tidb-binlog/v1/others/x", "", "", false},
		{"/tidb-binlog/v2/pumps/x", "", "", false},
		{"/other/v1/pumps/x", "", "", false},
		{"", "", "", false},
	} {
		kind, id, ok := ParseNodeKey(c.key)
		require.Equal(t, c.ok, ok, c.key)
		require.Equal(t, c.kind, kind, c.key)
		require.Equal(t, c.id, id, c.key)
	}
}

func FuzzParseNodeKey(f *testing.F) {
	for _, s := range []string{"/tidb-binlog/v1/pumps/a", "/tidb-binlog/drainers/b", "/tidb-binlog/v1/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		kind, id, ok := ParseNodeKey(key)
		if !ok {
			return
		}
		if !validKind(kind) || id == "" {
			t.Fatalf("accepted %q as %q/%q", key, kind, id)
		}
		if key != NodeKey(kind, id) && key != legacyRoot+"/"+kind+"/"+id {
			t.Fatalf("%q does not round-trip (%q, %q)", key, kind, id)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	for _, file := range []string{"testdata/status.golden.json", "testdata/status_labels.golden.json"} {
		b, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"nodeId":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeStatus([]byte("/tidb-binlog/v1/pumps/x"), b)
		if err != nil {
			return
		}
		out, err := json.Marshal(st)
		require.NoError(t, err)
		again, err := decodeStatus([]byte("/k"), out)
		require.NoError(t, err)
		require.Equal(t, st, again)
	})
}
