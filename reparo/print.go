package reparo

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// PrintBinlog writes a binlog as the original's print destination does:
//
//	DDL query: <query as stored in the file>
//	schema: <s>; table: <t>; type: Insert|Update|Delete
//	<name>(<mysql type>): <value>
//	<name>(<mysql type>): <old> => <new>     (updates)
func PrintBinlog(w io.Writer, b *filepb.Binlog) error {
	switch b.GetTp() {
	case filepb.BinlogType_DDL:
		_, err := fmt.Fprintf(w, "DDL query: %s\n", b.GetDdlQuery())
		return err
	case filepb.BinlogType_DML:
		for _, ev := range b.GetDmlData().GetEvents() {
			if err := printEvent(w, ev); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%w: binlog type %d at commit ts %d", ErrUnknownType, b.GetTp(), b.GetCommitTs())
}

func printEvent(w io.Writer, ev *filepb.Event) error {
	if _, err := fmt.Fprintf(w, "schema: %s; table: %s; type: %s\n", ev.GetSchemaName(), ev.GetTableName(), ev.GetTp()); err != nil {
		return err
	}
	cols, err := DecodeEvent(ev)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if ev.GetTp() == filepb.EventType_Update {
			_, err = fmt.Fprintf(w, "%s(%s): %s => %s\n", c.Name, c.MySQLType, PrintValue(c.Old, c.Tp), PrintValue(c.New, c.Tp))
		} else {
			_, err = fmt.Fprintf(w, "%s(%s): %s\n", c.Name, c.MySQLType, PrintValue(c.Old, c.Tp))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// printDest writes every binlog to out.
type printDest struct {
	out  *bufio.Writer
	done doneFunc
}

func newPrintDest(out io.Writer, done doneFunc) *printDest {
	return &printDest{out: bufio.NewWriter(out), done: done}
}

func (p *printDest) Sync(_ context.Context, b *filepb.Binlog) error {
	if err := PrintBinlog(p.out, b); err != nil {
		return fmt.Errorf("print binlog at commit ts %d: %w", b.GetCommitTs(), err)
	}
	if err := p.out.Flush(); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	p.done(b.GetCommitTs(), countRows(b))
	return nil
}

func (p *printDest) Finish(context.Context) error { return p.out.Flush() }

func (p *printDest) Close() error { return nil }
