package binlogfile_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
)

func Example() {
	dir, _ := os.MkdirTemp("", "binlogfile-example")
	defer os.RemoveAll(dir)

	w, err := binlogfile.OpenBinlogger(dir, binlogfile.Options{})
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"first", "second"} {
		if err := w.WriteTail([]byte(p)); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}

	files, _ := binlogfile.ReadDir(dir)
	for _, path := range files {
		r := binlogfile.NewReader(path, 0, nil)
		for {
			payload, offset, err := r.Next()
			var corrupt *binlogfile.CorruptionError
			switch {
			case errors.Is(err, io.EOF):
			case errors.As(err, &corrupt):
				continue // reported once; reading goes on after it
			case err != nil:
				panic(err)
			default:
				fmt.Printf("%s ends at %d\n", payload, offset)
				continue
			}
			break
		}
		_ = r.Close()
	}
	// Output:
	// first ends at 21
	// second ends at 43
}
