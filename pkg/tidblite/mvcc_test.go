package tidblite

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type goldenMVCC struct {
	Name          string `json:"name"`
	KeyHex        string `json:"key_hex"`
	HTTPBodyExact string `json:"http_body_exact"`
}

func loadGoldenMVCC(t *testing.T) map[string]goldenMVCC {
	t.Helper()
	b, err := os.ReadFile("testdata/mvcc.json")
	require.NoError(t, err)
	var f struct {
		Live []goldenMVCC `json:"live"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	out := map[string]goldenMVCC{}
	for _, e := range f.Live {
		out[e.Name] = e
	}
	return out
}

// withoutValues drops the row values TiKV stores (tidb-lite keeps none):
// short_value of writes and locks, value of values.
func withoutValues(t *testing.T, body string) string {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	info := v["value"].(map[string]any)["info"].(map[string]any)
	if l, ok := info["lock"].(map[string]any); ok {
		delete(l, "short_value")
	}
	for _, k := range []string{"writes", "values"} {
		list, _ := info[k].([]any)
		for _, e := range list {
			delete(e.(map[string]any), "short_value")
			delete(e.(map[string]any), "value")
		}
	}
	b, err := json.MarshalIndent(v, "", " ")
	require.NoError(t, err)
	return string(b)
}

// reindent re-encodes a body through the same generic path, so that key
// order (sorted by encoding/json for maps) is comparable.
func reindent(t *testing.T, body []byte) string { return withoutValues(t, string(body)) }

func TestMVCCMatchesGolden(t *testing.T) {
	g := loadGoldenMVCC(t)
	now := time.Unix(1000, 0)
	s := newMVCCStore(10, func() time.Time { return now })
	key := func(name string) []byte {
		k, err := hex.DecodeString(g[name].KeyHex)
		require.NoError(t, err)
		return k
	}
	t.Run("nonexistent", func(t *testing.T) {
		body, err := s.mvccBody(strings.ToLower(g["nonexistent_key"].KeyHex))
		require.NoError(t, err)
		require.Equal(t, g["nonexistent_key"].HTTPBodyExact, string(body)) // byte-exact
	})
	t.Run("rolled back prewrite", func(t *testing.T) {
		k := key("rolled_back_prewrite")
		s.prewrite(k, 470626763641978880)
		s.rollback(k, 470626763641978880)
		body, err := s.mvccBody(hex.EncodeToString(k))
		require.NoError(t, err)
		require.Equal(t, g["rolled_back_prewrite"].HTTPBodyExact, string(body)) // byte-exact
	})
	t.Run("committed", func(t *testing.T) {
		k := key("committed_txn_primary")
		s.prewrite(k, 470626763215994880)
		s.commit(k, 470626763215994880, 470626763216257024)
		body, err := s.mvccBody(hex.EncodeToString(k))
		require.NoError(t, err)
		require.Equal(t, withoutValues(t, g["committed_txn_primary"].HTTPBodyExact), reindent(t, body))
	})
	t.Run("rolled back then committed, newest first", func(t *testing.T) {
		k := key("rolled_back_txn_primary")
		s.prewrite(k, 470626761843671040)
		s.commit(k, 470626761843671040, 470626761843671041)
		s.prewrite(k, 470626763386912768)
		s.rollback(k, 470626763386912768)
		s.prewrite(k, 470626763467390976)
		s.commit(k, 470626763467390976, 470626763467390977)
		body, err := s.mvccBody(hex.EncodeToString(k))
		require.NoError(t, err)
		require.Equal(t, withoutValues(t, g["rolled_back_txn_primary"].HTTPBodyExact), reindent(t, body))
	})
	t.Run("in-flight lock", func(t *testing.T) {
		k := key("inflight_prewrite_lock")
		s2 := newMVCCStore(10, func() time.Time { return now })
		s2.prewrite(k, 470626763641978880)
		body, err := s2.mvccBody(hex.EncodeToString(k))
		require.NoError(t, err)
		require.Equal(t, withoutValues(t, g["inflight_prewrite_lock"].HTTPBodyExact), reindent(t, body))
	})
}

func TestMVCCAbandonedLockExpires(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newMVCCStore(10, func() time.Time { return now })
	k := []byte("tkey")
	s.abandon(k, 42, 3*time.Second)
	info := s.info(k)
	require.NotNil(t, info.Lock)
	require.EqualValues(t, 42, info.Lock.StartTs)
	require.EqualValues(t, 3000, info.Lock.Ttl)
	require.Equal(t, k, info.Lock.Primary)
	now = now.Add(3 * time.Second)
	info = s.info(k)
	require.Nil(t, info.Lock)
	require.Len(t, info.Writes, 1)
	require.EqualValues(t, 3, info.Writes[0].Type)
	require.EqualValues(t, 42, info.Writes[0].StartTs)
	require.EqualValues(t, 42, info.Writes[0].CommitTs)
}

func TestMVCCBounded(t *testing.T) {
	s := newMVCCStore(2, time.Now)
	for i := range 3 {
		s.prewrite([]byte{byte(i)}, uint64(i+1))
		s.commit([]byte{byte(i)}, uint64(i+1), uint64(i+2))
	}
	require.Empty(t, s.info([]byte{0}).Writes, "oldest key forgotten")
	require.Len(t, s.info([]byte{2}).Writes, 1)
	k := []byte("many")
	for i := range maxWritesPerKey + 5 {
		s.prewrite(k, uint64(10*i+1))
		s.commit(k, uint64(10*i+1), uint64(10*i+2))
	}
	w := s.info(k).Writes
	require.Len(t, w, maxWritesPerKey)
	require.Greater(t, w[0].CommitTs, w[1].CommitTs, "newest first")
}

func TestMVCCBadHex(t *testing.T) {
	_, err := newMVCCStore(1, time.Now).mvccBody("zz")
	require.Error(t, err)
}
