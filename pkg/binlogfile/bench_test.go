package binlogfile

import (
	"errors"
	"io"
	"testing"
)

// BenchmarkWriteTail appends 1 KiB payloads (fsync only on Close).
func BenchmarkWriteTail(b *testing.B) {
	benchmarkWrite(b, Options{}, 1024)
}

// BenchmarkWriteTailSync appends 1 KiB payloads with an fsync each.
func BenchmarkWriteTailSync(b *testing.B) {
	benchmarkWrite(b, Options{SyncEveryWrite: true}, 1024)
}

func benchmarkWrite(b *testing.B, opts Options, size int) {
	bl, err := OpenBinlogger(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	p := payloadN(1, size)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		if err := bl.WriteTail(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := bl.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReader reads 1 KiB frames of one file.
func BenchmarkReader(b *testing.B) {
	dir := b.TempDir()
	bl, err := OpenBinlogger(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const frames = 10000
	for i := range frames {
		if err := bl.WriteTail(payloadN(i, 1024)); err != nil {
			b.Fatal(err)
		}
	}
	if err := bl.Close(); err != nil {
		b.Fatal(err)
	}
	files, err := ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1024)
	b.ResetTimer()
	var r *Reader
	for b.Loop() {
		if r == nil {
			r = NewReader(files[0], 0, nil)
		}
		if _, _, err := r.Next(); errors.Is(err, io.EOF) {
			_ = r.Close()
			r = nil
		} else if err != nil {
			b.Fatal(err)
		}
	}
	if r != nil {
		_ = r.Close()
	}
}
