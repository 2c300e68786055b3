package checkpoint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

type goldenSave struct {
	SaveCall struct {
		Consistent  bool  `json:"consistent"`
		SecondaryTS int64 `json:"secondaryTS"`
		TS          int64 `json:"ts"`
		Version     int64 `json:"version"`
	} `json:"save_call"`
	CheckpointJSON string `json:"checkpoint_json"`
	ReplaceSQL     string `json:"replace_sql"`
	FileText       string `json:"file_text"`
}

type golden struct {
	File struct {
		Saves []goldenSave `json:"saves"`
	} `json:"file"`
	MySQL struct {
		Saves            []goldenSave `json:"saves"`
		StatementsAtOpen []string     `json:"statements_at_open"`
	} `json:"mysql"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden_checkpoint.json"))
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(b, &g))
	require.NotEmpty(t, g.File.Saves)
	require.NotEmpty(t, g.MySQL.Saves)
	return g
}

func TestGoldenFileSavepoint(t *testing.T) {
	g := loadGolden(t)
	path := filepath.Join(t.TempDir(), "savepoint")
	cp, err := NewFile(path)
	require.NoError(t, err)
	for _, s := range g.File.Saves {
		c := s.SaveCall
		require.NoError(t, cp.Save(c.TS, c.SecondaryTS, c.Consistent, c.Version))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, s.FileText, string(b))
	}
}

func TestGoldenMySQLStatements(t *testing.T) {
	g := loadGolden(t)
	rec := &recorder{}
	cp, err := NewMySQL(rec.open(t), MySQLConfig{ClusterID: 1, InitialCommitTS: 3})
	require.NoError(t, err)
	require.Equal(t, g.MySQL.StatementsAtOpen, rec.all())
	require.EqualValues(t, 3, cp.TS())
	for _, s := range g.MySQL.Saves {
		c := s.SaveCall
		require.NoError(t, cp.Save(c.TS, c.SecondaryTS, c.Consistent, c.Version))
		js, err := json.Marshal(&cp.st)
		require.NoError(t, err)
		require.Equal(t, s.CheckpointJSON, string(js))
		require.Equal(t, s.ReplaceSQL, rec.last())
	}
}

func TestQuoteName(t *testing.T) {
	require.Equal(t, "tidb_binlog", quoteName("tidb_binlog"))
	require.Equal(t, "`my-db`", quoteName("my-db"))
	require.Equal(t, "`a``b`", quoteName("a`b"))
	require.Equal(t, `a\'b\\c`, escapeString(`a'b\c`))
}
