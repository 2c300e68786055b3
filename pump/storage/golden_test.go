package storage

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/syndtr/goleveldb/leveldb"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenFormats writes fixed binlogs sequentially and pins the bytes of
// the first (finalized) value-log file and the KV contents.
func TestGoldenFormats(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.ValueLogFileSize = 200
	a := openTest(t, dir, o)
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 400000000000000001, 0)
	p.PrewriteKey = []byte("pk")
	p.PrewriteValue = []byte("rows")
	mustWrite(t, a, p)
	mustWrite(t, a, commitOf(400000000000000001, 400000000000000002))
	mustWrite(t, a, fake(400000000000000003))
	mustWrite(t, a, prewrite(400000000000000004, "rolled back"))
	mustWrite(t, a, binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, 400000000000000004, 0))
	mustWrite(t, a, commitOf(400000000000000099, 400000000000000100)) // lands in file 1
	closeTest(t, a)

	vlog, err := os.ReadFile(vlogPath(dir, 0))
	require.NoError(t, err)
	_, ok := decodeFooter(vlog[len(vlog)-footerSize:])
	require.True(t, ok, "file 0 was finalized by rotation")
	checkGolden(t, "000000.vlog", vlog)
	checkGolden(t, "kv.golden", []byte(dumpKV(t, filepath.Join(dir, "kv"))))
	lock, err := os.ReadFile(filepath.Join(dir, ".lock"))
	require.NoError(t, err)
	require.Empty(t, lock, ".lock is an empty file")
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestGoldenFormats -update")
	require.Equal(t, want, got, "golden %s differs", name)
}

// dumpKV lists every key and value, hex encoded, one pair a line.
func dumpKV(t *testing.T, dir string) string {
	t.Helper()
	db, err := leveldb.OpenFile(dir, nil)
	require.NoError(t, err)
	defer db.Close()
	it := db.NewIterator(nil, nil)
	defer it.Release()
	var sb strings.Builder
	for it.Next() {
		k := it.Key()
		label := string(k)
		if ts, ok := decodeTSKey(k); ok {
			label = fmt.Sprintf("ts:%d", ts)
		}
		fmt.Fprintf(&sb, "%s %s %s\n", label, hex.EncodeToString(k), hex.EncodeToString(it.Value()))
	}
	require.NoError(t, it.Error())
	return sb.String()
}
