// Package binlogfile reads and writes the drainer's `pb_binlog` files: the
// output of the file sink (read back by reparo) and the relay log.
//
// A directory holds files named binlog-<16-digit index>-<yyyyMMddHHmmss>,
// each a sequence of frames
//
//	magic u32 LE 0x1C1B0504 | length u64 LE | payload | crc32c(payload) u32 LE
//
// A Binlogger (OpenBinlogger) appends frames to the newest file under an
// exclusive flock on <dir>/.lock, rotates to index+1 once a file reaches the
// size limit (512 MiB by default), fsyncs on request and removes old files
// by modification time (GC), always keeping the newest. A Reader (NewReader)
// returns the payloads of one file in order: an incomplete frame at the end
// of the file (a torn tail, left by a crash or a writer still writing) is
// io.EOF, and a damaged frame anywhere else is reported once as a
// *CorruptionError before the reader resumes at the next valid frame.
// A DirReader reads a whole directory from a position (Pos), reporting a
// torn tail of any file but the last as corruption. ReadDir lists a
// directory's binlog files in order; ParseFileName
// understands the three name generations of the original. FORMAT.md
// documents every byte; testdata holds a file written by the original.
package binlogfile
