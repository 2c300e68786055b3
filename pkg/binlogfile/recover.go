package binlogfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
)

// tailState is where appending to a file may continue.
type tailState struct {
	offset   int64 // end of the last valid frame (or of the file)
	size     int64
	truncate bool // bytes after offset are a torn tail to cut off
}

// validEnd finds where appends to path continue. The fast path checks that
// the last magic in the file starts a valid frame ending exactly at the end
// of the file; otherwise the whole file is read.
func validEnd(path string, lg *zap.Logger) (tailState, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return tailState{}, fmt.Errorf("binlogfile: stat %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return tailState{}, nil
	}
	r := NewReader(path, 0, lg)
	defer r.Close()
	if err := r.open(); err != nil {
		return tailState{}, err
	}
	if ok, err := r.endsCleanly(size); err != nil || ok {
		return tailState{offset: size, size: size}, err
	}
	for {
		_, _, err := r.Next()
		var ce *CorruptionError
		switch {
		case err == nil, errors.As(err, &ce):
			continue
		case errors.Is(err, io.EOF):
			return tailState{offset: r.Offset(), size: size, truncate: r.Offset() < size}, nil
		default:
			return tailState{}, err
		}
	}
}

// endsCleanly reports whether the last occurrence of the magic in the file
// starts a valid frame that ends at size.
func (r *Reader) endsCleanly(size int64) (bool, error) {
	end := size
	from := max(0, end-readChunk)
	for {
		chunk, err := r.bytesAt(from, int(end-from), size)
		if err != nil {
			return false, err
		}
		if i := lastIndex(chunk); i >= 0 {
			cand := from + int64(i)
			_, n, cause, err := r.decodeAt(cand, false)
			if err != nil {
				return false, err
			}
			return cause == nil && cand+n == size, nil
		}
		if from == 0 {
			return false, nil
		}
		// Keep 3 bytes of overlap so a magic across the boundary is seen.
		end = from + int64(len(magicBytes)-1)
		from = max(0, from-readChunk)
	}
}

func lastIndex(b []byte) int {
	for i := len(b) - len(magicBytes); i >= 0; i-- {
		if b[i] == magicBytes[0] && b[i+1] == magicBytes[1] && b[i+2] == magicBytes[2] && b[i+3] == magicBytes[3] {
			return i
		}
	}
	return -1
}
