package tidblite

import (
	"container/list"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pingcap/kvproto/pkg/kvrpcpb"
)

// The MVCC store remembers, for the primary key of every transaction this
// server wrote (the binlog prewrite_key), what TiKV would know about it: a
// lock while the transaction is in flight, then a commit write (Put) or a
// Rollback write whose commit_ts equals its start_ts. GET /mvcc/hex/{key}
// answers from it in the JSON shape of TiDB's status API, which is what the
// pump's resolver reads. It is bounded: the oldest keys are forgotten.

const (
	defaultMVCCKeys = 100000
	maxWritesPerKey = 16
	mvccRegionID    = 2
)

type mvccLock struct {
	startTS  uint64
	ttl      time.Duration
	deadline time.Time // zero: in flight, never expires
}

type mvccWrite struct {
	op       kvrpcpb.Op
	startTS  uint64
	commitTS uint64
}

type mvccRecord struct {
	key    string
	lock   *mvccLock
	writes []mvccWrite // newest first
	elem   *list.Element
}

type mvccStore struct {
	max int
	now func() time.Time

	mu    sync.Mutex
	keys  map[string]*mvccRecord
	order *list.List // of *mvccRecord, oldest first
}

func newMVCCStore(maxKeys int, now func() time.Time) *mvccStore {
	if maxKeys <= 0 {
		maxKeys = defaultMVCCKeys
	}
	return &mvccStore{max: maxKeys, now: now, keys: map[string]*mvccRecord{}, order: list.New()}
}

func (s *mvccStore) recordLocked(key []byte) *mvccRecord {
	r, ok := s.keys[string(key)]
	if ok {
		s.order.MoveToBack(r.elem)
		return r
	}
	r = &mvccRecord{key: string(key)}
	r.elem = s.order.PushBack(r)
	s.keys[r.key] = r
	for s.order.Len() > s.max {
		old := s.order.Remove(s.order.Front()).(*mvccRecord)
		delete(s.keys, old.key)
	}
	return r
}

// prewrite puts the lock of an in-flight transaction on its primary key.
func (s *mvccStore) prewrite(key []byte, startTS uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLocked(key).lock = &mvccLock{startTS: startTS}
}

// commit replaces the lock by a commit write.
func (s *mvccStore) commit(key []byte, startTS, commitTS uint64) {
	s.finish(key, startTS, mvccWrite{op: kvrpcpb.Op_Put, startTS: startTS, commitTS: commitTS})
}

// rollback replaces the lock by a Rollback write.
func (s *mvccStore) rollback(key []byte, startTS uint64) {
	s.finish(key, startTS, mvccWrite{op: kvrpcpb.Op_Rollback, startTS: startTS, commitTS: startTS})
}

// abandon leaves the lock of a transaction whose server "died": it stays
// live for ttl, after which a reader resolves it as rolled back.
func (s *mvccStore) abandon(key []byte, startTS uint64, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recordLocked(key)
	r.lock = &mvccLock{startTS: startTS, ttl: ttl, deadline: s.now().Add(ttl)}
}

func (s *mvccStore) finish(key []byte, startTS uint64, w mvccWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recordLocked(key)
	if r.lock != nil && r.lock.startTS == startTS {
		r.lock = nil
	}
	r.addWrite(w)
}

func (r *mvccRecord) addWrite(w mvccWrite) {
	i := 0
	for i < len(r.writes) && r.writes[i].commitTS > w.commitTS {
		i++
	}
	r.writes = append(r.writes, mvccWrite{})
	copy(r.writes[i+1:], r.writes[i:])
	r.writes[i] = w
	if len(r.writes) > maxWritesPerKey {
		r.writes = r.writes[:maxWritesPerKey]
	}
}

// info returns what TiKV's MvccGetByKey would for key, resolving an
// expired abandoned lock first.
func (s *mvccStore) info(key []byte) *kvrpcpb.MvccInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := &kvrpcpb.MvccInfo{}
	r, ok := s.keys[string(key)]
	if !ok {
		return info
	}
	if l := r.lock; l != nil && !l.deadline.IsZero() && !s.now().Before(l.deadline) {
		r.lock = nil
		r.addWrite(mvccWrite{op: kvrpcpb.Op_Rollback, startTS: l.startTS, commitTS: l.startTS})
	}
	if l := r.lock; l != nil {
		info.Lock = &kvrpcpb.MvccLock{
			Type: kvrpcpb.Op_Put, StartTs: l.startTS, Primary: []byte(r.key),
			Ttl: uint64(l.ttl / time.Millisecond),
		}
	}
	for _, w := range r.writes {
		info.Writes = append(info.Writes, &kvrpcpb.MvccWrite{Type: w.op, StartTs: w.startTS, CommitTs: w.commitTS})
		info.Values = append(info.Values, &kvrpcpb.MvccValue{StartTs: w.startTS})
	}
	return info
}

// mvccKV is the body of GET /mvcc/hex/{key}.
type mvccKV struct {
	Key      string                        `json:"key"`
	RegionID uint64                        `json:"region_id"`
	Value    *kvrpcpb.MvccGetByKeyResponse `json:"value"`
}

// mvccBody renders the status API answer for a hex key.
func (s *mvccStore) mvccBody(hexKey string) ([]byte, error) {
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		return nil, fmt.Errorf("decode hex key: %w", err)
	}
	body := mvccKV{
		Key: strings.ToUpper(hex.EncodeToString(key)), RegionID: mvccRegionID,
		Value: &kvrpcpb.MvccGetByKeyResponse{Info: s.info(key)},
	}
	return json.MarshalIndent(body, "", " ")
}
