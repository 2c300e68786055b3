package storage

import (
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// indexedRecord is a record read through an index entry and checked to be
// the binlog its key names.
type indexedRecord struct {
	binlogpb.Header
	payload []byte
}

// readIndexed reads the record the index entry (key ts, pointer value)
// points at and checks that it is the binlog ts names. Damage (a bad
// pointer, a pointer into a missing file, a damaged or undecodable record,
// a record that is not the binlog of ts) is a *DataLossError naming ts; it
// also wraps errDamagedPrewrite when the damaged record still reads as the
// prewrite of ts. Any other error is transient.
func (a *Append) readIndexed(ts int64, value []byte) (indexedRecord, error) {
	p, err := decodePointer(value)
	if err != nil {
		return indexedRecord{}, &DataLossError{CommitTS: ts, File: "index key " + fmt.Sprint(ts), Err: err}
	}
	loss := func(err error) error {
		return &DataLossError{CommitTS: ts, File: a.vlog.filePath(p.fid), Offset: p.offset, Err: err}
	}
	payload, err := a.vlog.read(p)
	var ce *CorruptionError
	switch {
	case errors.As(err, &ce):
		a.m.errRead.Inc()
		if payload != nil && isPrewriteOf(payload, ts) {
			return indexedRecord{}, loss(fmt.Errorf("%w: %w", errDamagedPrewrite, ce.Err))
		}
		return indexedRecord{}, loss(ce.Err)
	case errors.Is(err, errFileNotFound):
		a.m.errRead.Inc()
		return indexedRecord{}, loss(err)
	case err != nil:
		a.m.errRead.Inc()
		return indexedRecord{}, fmt.Errorf("read binlog at ts %d: %w", ts, err)
	}
	h, err := binlogpb.PeekHeader(payload)
	if err != nil {
		return indexedRecord{}, loss(err)
	}
	if indexKey(h) != ts {
		return indexedRecord{}, loss(fmt.Errorf("%w: found %s start ts %d commit ts %d", errKeyMismatch, h.Tp, h.StartTs, h.CommitTs))
	}
	return indexedRecord{Header: h, payload: payload}, nil
}

// isPrewriteOf reports whether an unverified payload still reads as the
// prewrite of start: no commit_ts, and the prewrite type or start_ts. A
// damaged commit (whose commit_ts is its key) reads so only after at least
// two independent changes.
func isPrewriteOf(payload []byte, start int64) bool {
	h, err := binlogpb.PeekHeader(payload)
	return err == nil && h.CommitTs == 0 && (h.Tp == binlogpb.BinlogType_Prewrite || h.StartTs == start)
}

// errPrewriteAbsent: the commit's prewrite is not indexed (rolled back, or
// purged by GC).
var errPrewriteAbsent = errors.New("storage: prewrite binlog not found")

// mergePrewrite merges the commit binlog c with its prewrite, kept by the
// stream or found by its start_ts: it appends to parts the pieces of the
// merged binlog (binlogpb.MergeCommitParts), which alias both stored
// payloads. errPrewriteAbsent when the prewrite is not indexed; a damaged
// prewrite is a *DataLossError naming the commit.
func (a *Append) mergePrewrite(c indexedRecord, kept *pulledPrewrites, parts [][]byte) ([][]byte, error) {
	var (
		p   indexedRecord
		err error
	)
	if payload, ok := kept.take(c.StartTs); ok {
		p.payload = payload
	} else {
		p, err = a.readPrewrite(c.StartTs)
	}
	var dl *DataLossError
	if errors.As(err, &dl) {
		return parts, &DataLossError{CommitTS: c.CommitTs, StartTS: c.StartTs, File: dl.File, Offset: dl.Offset,
			Err: fmt.Errorf("its prewrite binlog: %w", dl.Err)}
	}
	if err != nil {
		return parts, err
	}
	parts, err = binlogpb.MergeCommitParts(c.payload, p.payload, parts)
	if err != nil {
		return parts, &DataLossError{CommitTS: c.CommitTs, StartTS: c.StartTs, File: "merged binlog", Err: err}
	}
	return parts, nil
}

// readPrewrite reads the prewrite indexed under start.
func (a *Append) readPrewrite(start int64) (indexedRecord, error) {
	v, err := a.db.Get(tsKey(start), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return indexedRecord{}, errPrewriteAbsent
	}
	if err != nil {
		return indexedRecord{}, fmt.Errorf("get prewrite pointer of start ts %d: %w", start, err)
	}
	p, err := a.readIndexed(start, v)
	if errors.Is(err, errFileNotFound) {
		// GC may have removed key and file since the Get
		if _, gerr := a.db.Get(tsKey(start), nil); errors.Is(gerr, leveldb.ErrNotFound) {
			return indexedRecord{}, errPrewriteAbsent
		}
	}
	if err != nil {
		return indexedRecord{}, err
	}
	if p.Tp != binlogpb.BinlogType_Prewrite {
		ptr, _ := decodePointer(v)
		return indexedRecord{}, &DataLossError{CommitTS: start, File: a.vlog.filePath(ptr.fid), Offset: ptr.offset,
			Err: fmt.Errorf("%w: found %s", errKeyMismatch, p.Tp)}
	}
	return p, nil
}

// ReadBinlog returns the binlog stored under key ts (a prewrite by its
// start_ts, anything else by its commit_ts). ErrNotFound if there is none;
// a *DataLossError if it cannot be read back.
func (a *Append) ReadBinlog(ts int64) (*binlogpb.Binlog, error) {
	payload, err := a.ReadPayload(ts)
	if err != nil {
		return nil, err
	}
	return unmarshalBinlog(payload)
}

// ReadPayload returns the marshaled binlog stored under key ts, checked to
// be that binlog, with the errors of ReadBinlog. It may be shared: read it
// only.
func (a *Append) ReadPayload(ts int64) ([]byte, error) {
	v, err := a.db.Get(tsKey(ts), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, fmt.Errorf("binlog at ts %d: %w", ts, ErrNotFound)
	}
	if errors.Is(err, leveldb.ErrClosed) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("get binlog pointer: %w", err)
	}
	r, err := a.readIndexed(ts, v)
	if err != nil {
		return nil, err
	}
	return r.payload, nil
}

func (a *Append) readBinlogAt(p valuePointer) (*binlogpb.Binlog, error) {
	payload, err := a.vlog.read(p)
	if err != nil {
		return nil, err
	}
	return unmarshalBinlog(payload)
}

func unmarshalBinlog(payload []byte) (*binlogpb.Binlog, error) {
	b := new(binlogpb.Binlog)
	if err := proto.Unmarshal(payload, b); err != nil {
		return nil, fmt.Errorf("unmarshal binlog: %w", err)
	}
	return b, nil
}
