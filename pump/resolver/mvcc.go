package resolver

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadMVCC is returned for an answer of /mvcc/hex that is not the expected JSON.
var ErrBadMVCC = errors.New("resolver: malformed MVCC response")

// MVCC operation types (kvrpcpb.Op) that matter here. Put is 0 and therefore
// absent from the JSON (omitempty).
const (
	opPut             = 0
	opRollback        = 3
	opPessimisticLock = 5
)

// mvccResponse is TiDB's answer to GET /mvcc/hex/{hex}: the key, its region and
// a kvrpcpb.MvccGetByKeyResponse serialized by encoding/json (byte fields are
// base64 strings, every field is omitempty).
type mvccResponse struct {
	Key      string         `json:"key"`
	RegionID uint64         `json:"region_id"`
	Value    *mvccByKeyResp `json:"value"`
}

type mvccByKeyResp struct {
	RegionError json.RawMessage `json:"region_error,omitempty"`
	Error       string          `json:"error,omitempty"`
	Info        *mvccInfo       `json:"info,omitempty"`
}

type mvccInfo struct {
	Lock   *mvccLock   `json:"lock,omitempty"`
	Writes []mvccWrite `json:"writes,omitempty"`
	Values []mvccValue `json:"values,omitempty"`
}

type mvccLock struct {
	Type        int32    `json:"type,omitempty"`
	StartTS     uint64   `json:"start_ts,omitempty"`
	Primary     []byte   `json:"primary,omitempty"`
	ShortValue  []byte   `json:"short_value,omitempty"`
	TTL         uint64   `json:"ttl,omitempty"`
	ForUpdateTS uint64   `json:"for_update_ts,omitempty"`
	TxnSize     uint64   `json:"txn_size,omitempty"`
	RollbackTS  []uint64 `json:"rollback_ts,omitempty"`
}

type mvccWrite struct {
	Type                  int32  `json:"type,omitempty"`
	StartTS               uint64 `json:"start_ts,omitempty"`
	CommitTS              uint64 `json:"commit_ts,omitempty"`
	ShortValue            []byte `json:"short_value,omitempty"`
	HasOverlappedRollback bool   `json:"has_overlapped_rollback,omitempty"`
}

type mvccValue struct {
	StartTS uint64 `json:"start_ts,omitempty"`
	Value   []byte `json:"value,omitempty"`
}

// parseMVCC decodes a /mvcc/hex body. A region error or an error string inside
// the response is an error: that TiDB could not read the key. A missing value
// or info means the key has no MVCC record and yields an empty *mvccInfo.
func parseMVCC(body []byte) (*mvccInfo, error) {
	var resp mvccResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("decode mvcc json: %w: %w", ErrBadMVCC, err)
	}
	if resp.Value == nil {
		return &mvccInfo{}, nil
	}
	if resp.Value.Error != "" {
		return nil, fmt.Errorf("read mvcc of key %s: %w: %s", resp.Key, ErrBadMVCC, resp.Value.Error)
	}
	if len(resp.Value.RegionError) > 0 && string(resp.Value.RegionError) != "null" {
		return nil, fmt.Errorf("read mvcc of key %s: %w: region error %s", resp.Key, ErrBadMVCC, resp.Value.RegionError)
	}
	if resp.Value.Info == nil {
		return &mvccInfo{}, nil
	}
	return resp.Value.Info, nil
}

// verdictKind is what the MVCC record of a primary key says about one txn.
type verdictKind int

const (
	verdictNoRecord verdictKind = iota // nothing about this start_ts
	verdictLocked                      // the txn still holds its lock
	verdictCommitted
	verdictRolledBack
)

func (k verdictKind) String() string {
	switch k {
	case verdictLocked:
		return "locked"
	case verdictCommitted:
		return "committed"
	case verdictRolledBack:
		return "rolledBack"
	}
	return "noRecord"
}

type verdict struct {
	kind     verdictKind
	commitTS int64
	lock     *mvccLock // set for verdictLocked
}

// decide reads the outcome of the txn startTS from the MVCC record of its
// primary key. Writes may be listed in any order (TiKV: newest first).
//   - a write with start_ts == startTS: Rollback -> rolled back, any other type
//     (Put, Del, Lock) -> committed at its commit_ts;
//   - a write of another txn whose commit_ts == startTS carrying
//     has_overlapped_rollback, or a lock listing startTS in rollback_ts: the
//     rollback record of startTS was folded into it -> rolled back;
//   - a lock with start_ts == startTS (prewrite or pessimistic) -> still running;
//   - otherwise no record.
func decide(info *mvccInfo, startTS int64) verdict {
	ts := uint64(startTS)
	for _, w := range info.Writes {
		if w.StartTS != ts {
			continue
		}
		if w.Type == opRollback {
			return verdict{kind: verdictRolledBack}
		}
		return verdict{kind: verdictCommitted, commitTS: int64(w.CommitTS)}
	}
	for _, w := range info.Writes {
		if w.CommitTS == ts && w.HasOverlappedRollback {
			return verdict{kind: verdictRolledBack}
		}
	}
	if l := info.Lock; l != nil {
		if l.StartTS == ts {
			return verdict{kind: verdictLocked, lock: l}
		}
		for _, rb := range l.RollbackTS {
			if rb == ts {
				return verdict{kind: verdictRolledBack}
			}
		}
	}
	return verdict{kind: verdictNoRecord}
}
