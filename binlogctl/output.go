package binlogctl

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// outputTimeLayout is the timestamp layout of TiDB-style log lines.
const outputTimeLayout = "2006/01/02 15:04:05.000 -07:00"

// field is one [key=value] of an output line.
type field struct{ key, value string }

func kv(key string, value any) field { return field{key, fmt.Sprint(value)} }

// printer writes the result lines of a command in the TiDB log format the
// original binlogctl printed on stdout, so that scripts grepping them
// ("MaxCommitTS: [0-9]+", "NodeID: ...") keep working:
//
//	[2019/04/28 09:29:59.016 +00:00] [INFO] ["query node"] [type=pump] [node="{NodeID: ...}"]
//
// The original's [file:line] element is left out.
type printer struct {
	w   io.Writer
	now func() time.Time
}

func newPrinter(w io.Writer) *printer { return &printer{w: w, now: time.Now} }

func (p *printer) info(msg string, fields ...field) error { return p.line("INFO", msg, fields) }
func (p *printer) warn(msg string, fields ...field) error { return p.line("WARN", msg, fields) }

func (p *printer) line(level, msg string, fields []field) error {
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(p.now().Format(outputTimeLayout))
	b.WriteString("] [")
	b.WriteString(level)
	b.WriteString("] [")
	b.WriteString(quoteIfNeeded(msg))
	b.WriteByte(']')
	for _, f := range fields {
		b.WriteString(" [")
		b.WriteString(quoteIfNeeded(f.key))
		b.WriteByte('=')
		b.WriteString(quoteIfNeeded(f.value))
		b.WriteByte(']')
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(p.w, b.String()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// quoteIfNeeded quotes s when it would not stay one token (blanks, quotes,
// '=', brackets, non-printable or invalid UTF-8).
func quoteIfNeeded(s string) string {
	if s == "" || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r <= ' ' || strings.ContainsRune(`"=[]`, r) || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// nodeTypeName maps a registry kind to the type printed by the original.
func nodeTypeName(kind string) string {
	if kind == registry.KindDrainer {
		return "drainer"
	}
	return "pump"
}

// formatNode renders a node like the original Status.String(): the update
// time is the physical part of UpdateTS rounded down to the second, in the
// local time zone, printed with Go's default time format.
func formatNode(st *registry.Status) string {
	updateTime := time.Unix(pd.ExtractPhysical(st.UpdateTS)/1000, 0)
	return fmt.Sprintf("{NodeID: %s, Addr: %s, State: %s, MaxCommitTS: %d, UpdateTime: %v}",
		st.NodeID, st.Addr, st.State, st.MaxCommitTS, updateTime)
}
