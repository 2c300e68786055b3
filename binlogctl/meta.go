package binlogctl

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/encrypt"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

// SavepointFile is the name of the file generate_meta writes in -data-dir.
const SavepointFile = "savepoint"

// TSOSource returns a fresh timestamp (implemented by *pd.Client).
type TSOSource interface {
	TSO(ctx context.Context) (int64, error)
}

var _ TSOSource = (*pd.Client)(nil)

// GenerateMeta takes a TSO and writes it to <dataDir>/savepoint as
// `commitTS = N` (see FORMAT.md). With timeZone set, the UTC and local times
// of the TSO follow as two TOML comment lines; the original wrote them as
// bare text, which made the file invalid TOML. An unknown time zone is
// reported and the time lines are left out, as in the original.
func GenerateMeta(ctx context.Context, out io.Writer, tso TSOSource, dataDir, timeZone string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	ts, err := tso.TSO(ctx)
	if err != nil {
		return fmt.Errorf("get tso: %w", err)
	}
	p := newPrinter(out)
	var loc *time.Location
	if timeZone != "" {
		loc, err = time.LoadLocation(timeZone)
		if err != nil {
			if perr := p.warn("fail to load location", kv("timeZone", timeZone), kv("error", err)); perr != nil {
				return perr
			}
		}
	}
	path := filepath.Join(dataDir, SavepointFile)
	if err := writeFileAtomic(path, savepointContent(ts, loc)); err != nil {
		return fmt.Errorf("save meta into %s: %w", path, err)
	}
	return p.info("save meta", kv("meta", "commitTS: "+strconv.FormatInt(ts, 10)), kv("file", path))
}

// savepointContent renders the savepoint file; loc nil means no time lines.
func savepointContent(ts int64, loc *time.Location) []byte {
	b := []byte("commitTS = " + strconv.FormatInt(ts, 10) + "\n")
	if loc == nil {
		return b
	}
	t := time.Unix(pd.ExtractPhysical(ts)/1000, 0)
	b = fmt.Appendf(b, "# %s\n# %s\n", t.UTC(), t.In(loc))
	return b
}

// writeFileAtomic writes data to a temporary file in the same directory,
// syncs it and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write temp file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync temp file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("chmod temp file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temp file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename temp file: %w", err)
	}
	return nil
}

// Encrypt prints `encrypted=<base64>` for text, encrypted with the key of
// BINLOG_SECRET_KEY (or the built-in default) as encrypted_password expects.
// An empty text is refused with ErrNoText.
func Encrypt(out io.Writer, text string) error {
	if text == "" {
		return ErrNoText // the original refuses an empty text too
	}
	enc, err := encrypt.EncryptString(text)
	if err != nil {
		return fmt.Errorf("encrypt text: %w", err)
	}
	if _, err := fmt.Fprintf(out, "encrypted=%s\n", enc); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
