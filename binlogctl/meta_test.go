package binlogctl

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/openbinlog/tidb-binlog/pkg/encrypt"
	"github.com/stretchr/testify/require"
)

// fakeTSO returns a fixed timestamp or error.
type fakeTSO struct {
	ts  int64
	err error
}

func (f fakeTSO) TSO(context.Context) (int64, error) { return f.ts, f.err }

const goldenTS = int64(408012403141509121)

func readSavepoint(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, SavepointFile))
	require.NoError(t, err)
	return b
}

// decodeSavepoint decodes strictly: every key must be known.
func decodeSavepoint(t *testing.T, b []byte) int64 {
	t.Helper()
	var m struct {
		CommitTS int64 `toml:"commitTS"`
	}
	md, err := toml.Decode(string(b), &m)
	require.NoError(t, err)
	require.Empty(t, md.Undecoded())
	return m.CommitTS
}

func TestGenerateMetaGolden(t *testing.T) {
	tests := []struct {
		zone, golden string
	}{
		{"", "testdata/savepoint"},
		{"Asia/Shanghai", "testdata/savepoint_tz"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nested", "meta")
			var out bytes.Buffer
			require.NoError(t, GenerateMeta(context.Background(), &out, fakeTSO{ts: goldenTS}, dir, tt.zone))
			want, err := os.ReadFile(tt.golden)
			require.NoError(t, err)
			got := readSavepoint(t, dir)
			require.Equal(t, string(want), string(got))
			require.Equal(t, goldenTS, decodeSavepoint(t, got), "the file stays valid TOML")
			require.Contains(t, out.String(), `["save meta"] [meta="commitTS: 408012403141509121"]`)

			fi, err := os.Stat(dir)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "no temporary file left behind")
		})
	}
}

func TestGenerateMetaOverwritesAndLocal(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, GenerateMeta(context.Background(), &out, fakeTSO{ts: 1 << 18}, dir, ""))
	require.NoError(t, GenerateMeta(context.Background(), &out, fakeTSO{ts: goldenTS}, dir, "Local"))
	b := readSavepoint(t, dir)
	require.Equal(t, goldenTS, decodeSavepoint(t, b))
	require.Len(t, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), 3)
}

func TestGenerateMetaBadZone(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, GenerateMeta(context.Background(), &out, fakeTSO{ts: goldenTS}, dir, "Mars/Olympus"))
	require.Contains(t, out.String(), `[WARN] ["fail to load location"] [timeZone=Mars/Olympus]`)
	want, err := os.ReadFile("testdata/savepoint")
	require.NoError(t, err)
	require.Equal(t, string(want), string(readSavepoint(t, dir)))
}

func TestGenerateMetaErrors(t *testing.T) {
	boom := errors.New("pd down")
	dir := t.TempDir()
	err := GenerateMeta(context.Background(), &bytes.Buffer{}, fakeTSO{err: boom}, dir, "")
	require.ErrorIs(t, err, boom)
	_, statErr := os.Stat(filepath.Join(dir, SavepointFile))
	require.ErrorIs(t, statErr, os.ErrNotExist)

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	err = GenerateMeta(context.Background(), &bytes.Buffer{}, fakeTSO{ts: 1}, filepath.Join(file, "sub"), "")
	require.ErrorContains(t, err, "create data dir")
}

func TestEncrypt(t *testing.T) {
	t.Setenv(encrypt.EnvSecretKey, "")
	var out bytes.Buffer
	require.NoError(t, Encrypt(&out, "p@ss word"))
	line := out.String()
	require.True(t, strings.HasPrefix(line, "encrypted="), line)
	require.True(t, strings.HasSuffix(line, "\n"))
	plain, err := encrypt.DecryptString(strings.TrimSuffix(strings.TrimPrefix(line, "encrypted="), "\n"))
	require.NoError(t, err)
	require.Equal(t, "p@ss word", plain)

	var none bytes.Buffer
	require.ErrorIs(t, Encrypt(&none, ""), ErrNoText)
	require.Empty(t, none.String())
	t.Setenv(encrypt.EnvSecretKey, "zz")
	err = Encrypt(&bytes.Buffer{}, "x")
	require.ErrorIs(t, err, encrypt.ErrInvalidKey)
}
