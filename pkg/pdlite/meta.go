package pdlite

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Keys written by pd-lite, following PD's own layout (see FORMAT.md).
const (
	clusterIDKey = "/pd/cluster_id"
)

func timestampKey(clusterID uint64) string { return fmt.Sprintf("/pd/%d/timestamp", clusterID) }

// ErrBadMeta reports a pd-lite key whose value cannot be decoded.
var ErrBadMeta = errors.New("pdlite: malformed metadata value")

// initClusterID returns the persisted cluster ID, creating it on first start.
// A new ID is the Unix time in seconds in the high 32 bits and random low bits, as PD does.
func initClusterID(ctx context.Context, cli *clientv3.Client) (uint64, error) {
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return 0, fmt.Errorf("generate cluster id: %w", err)
	}
	id := uint64(time.Now().Unix())<<32 | uint64(binary.BigEndian.Uint32(rnd[:]))
	val := encodeUint64(id)
	resp, err := cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(clusterIDKey), "=", 0)).
		Then(clientv3.OpPut(clusterIDKey, string(val))).
		Else(clientv3.OpGet(clusterIDKey)).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("init cluster id: %w", err)
	}
	if resp.Succeeded {
		return id, nil
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) != 1 {
		return 0, fmt.Errorf("read %s: %w", clusterIDKey, ErrBadMeta)
	}
	id, err = decodeUint64(kvs[0].Value)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("read %s: %w", clusterIDKey, ErrBadMeta)
	}
	return id, nil
}

// encodeUint64 is the value encoding of both keys: 8 bytes, big-endian.
func encodeUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func decodeUint64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("value of %d bytes, want 8: %w", len(b), ErrBadMeta)
	}
	return binary.BigEndian.Uint64(b), nil
}

// encodeBound stores a bound in Unix milliseconds as Unix nanoseconds.
func encodeBound(ms int64) []byte {
	return encodeUint64(uint64(time.UnixMilli(ms).UnixNano()))
}

// decodeBound returns the bound in Unix milliseconds, rounded up so that a
// value written with sub-millisecond precision is never lowered.
func decodeBound(b []byte) (int64, error) {
	v, err := decodeUint64(b)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("bound %d out of range: %w", v, ErrBadMeta)
	}
	ns := int64(v)
	ms := ns / int64(time.Millisecond)
	if ns%int64(time.Millisecond) != 0 {
		ms++
	}
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return 0, fmt.Errorf("bound %d out of range: %w", v, ErrBadMeta)
	}
	return ms, nil
}

// etcdBound stores the TSO bound as 8 big-endian bytes of Unix nanoseconds at /pd/<id>/timestamp.
type etcdBound struct {
	cli *clientv3.Client
	key string
}

var _ boundStore = (*etcdBound)(nil)

func (b *etcdBound) loadBound(ctx context.Context) (int64, error) {
	resp, err := b.cli.Get(ctx, b.key)
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", b.key, err)
	}
	if len(resp.Kvs) == 0 {
		return 0, nil
	}
	ms, err := decodeBound(resp.Kvs[0].Value)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", b.key, err)
	}
	return ms, nil
}

func (b *etcdBound) saveBound(ctx context.Context, ms int64) error {
	if _, err := b.cli.Put(ctx, b.key, string(encodeBound(ms))); err != nil {
		return fmt.Errorf("put %s: %w", b.key, err)
	}
	return nil
}
