package relay

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"google.golang.org/protobuf/proto"
)

// FuzzReplay: any file content replays or fails with an error, never a
// panic, and what is replayed is in increasing commit-ts order.
func FuzzReplay(f *testing.F) {
	b, _ := proto.Marshal(ddl(10))
	f.Add(binlogfile.AppendFrame(nil, b))
	f.Add(append(binlogfile.AppendFrame(nil, b), 1, 2, 3))
	f.Add(binlogfile.AppendFrame(nil, []byte{0xff}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, binlogfile.FileName(0, time.Unix(0, 0))), data, 0o600); err != nil {
			t.Fatal(err)
		}
		last := int64(0)
		_, _ = Replay(context.Background(), dir, 0, nil, func(b *secondarypb.Binlog) error {
			if b.GetCommitTs() <= last {
				t.Fatalf("commit ts %d after %d", b.GetCommitTs(), last)
			}
			last = b.GetCommitTs()
			return nil
		})
	})
}
