package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Registry reads and writes node statuses in etcd.
type Registry struct {
	cli *clientv3.Client
	lg  *zap.Logger
}

// New wraps an etcd client. The client stays owned by the caller.
func New(cli *clientv3.Client, lg *zap.Logger) *Registry {
	if lg == nil {
		lg = zap.NewNop()
	}
	return &Registry{cli: cli, lg: lg.With(zap.String("component", "registry"))}
}

// Client returns the underlying etcd client.
func (r *Registry) Client() *clientv3.Client { return r.cli }

// Nodes lists the nodes of a kind, sorted by NodeID, with the revision of the read.
// Values that are not valid JSON are skipped and logged.
func (r *Registry) Nodes(ctx context.Context, kind string) ([]*Status, int64, error) {
	if !validKind(kind) {
		return nil, 0, fmt.Errorf("list %q: %w", kind, ErrBadKind)
	}
	resp, err := r.cli.Get(ctx, kindPrefix(kind), clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", kind, err)
	}
	nodes := make([]*Status, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		st, err := decodeStatus(kv.Key, kv.Value)
		if err != nil {
			r.lg.Warn("skip undecodable node", zap.ByteString("key", kv.Key), zap.Error(err))
			continue
		}
		nodes = append(nodes, st)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].NodeID < nodes[j].NodeID })
	return nodes, resp.Header.Revision, nil
}

// Node reads one node; ErrNodeNotFound when its key does not exist.
func (r *Registry) Node(ctx context.Context, kind, nodeID string) (*Status, error) {
	if !validKind(kind) {
		return nil, fmt.Errorf("get %q: %w", kind, ErrBadKind)
	}
	resp, err := r.cli.Get(ctx, NodeKey(kind, nodeID))
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind, nodeID, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("get %s %s: %w", kind, nodeID, ErrNodeNotFound)
	}
	st, err := decodeStatus(resp.Kvs[0].Key, resp.Kvs[0].Value)
	if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind, nodeID, err)
	}
	return st, nil
}

// CreateNode writes st only if its key does not exist yet (ErrNodeExists otherwise).
func (r *Registry) CreateNode(ctx context.Context, kind string, st *Status) error {
	return r.putIf(ctx, kind, st, clientv3.Compare(clientv3.ModRevision(NodeKey(kind, st.NodeID)), "=", 0), ErrNodeExists)
}

// UpdateExistingNode writes st only if its key exists (ErrNodeNotFound otherwise).
func (r *Registry) UpdateExistingNode(ctx context.Context, kind string, st *Status) error {
	return r.putIf(ctx, kind, st, clientv3.Compare(clientv3.ModRevision(NodeKey(kind, st.NodeID)), ">", 0), ErrNodeNotFound)
}

// UpdateNode creates or updates st.
func (r *Registry) UpdateNode(ctx context.Context, kind string, st *Status) error {
	key, val, err := encodeNode(kind, st)
	if err != nil {
		return err
	}
	if _, err := r.cli.Put(ctx, key, val); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// DeleteNode removes a node's key; ErrNodeNotFound when it did not exist.
func (r *Registry) DeleteNode(ctx context.Context, kind, nodeID string) error {
	if !validKind(kind) {
		return fmt.Errorf("delete %q: %w", kind, ErrBadKind)
	}
	key := NodeKey(kind, nodeID)
	resp, err := r.cli.Delete(ctx, key)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if resp.Deleted == 0 {
		return fmt.Errorf("delete %s: %w", key, ErrNodeNotFound)
	}
	return nil
}

func (r *Registry) putIf(ctx context.Context, kind string, st *Status, cmp clientv3.Cmp, failErr error) error {
	key, val, err := encodeNode(kind, st)
	if err != nil {
		return err
	}
	resp, err := r.cli.Txn(ctx).If(cmp).Then(clientv3.OpPut(key, val)).Commit()
	if err != nil {
		return fmt.Errorf("txn put %s: %w", key, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("put %s: %w", key, failErr)
	}
	return nil
}

func encodeNode(kind string, st *Status) (key, val string, err error) {
	if !validKind(kind) {
		return "", "", fmt.Errorf("put %q: %w", kind, ErrBadKind)
	}
	if st == nil || st.NodeID == "" {
		return "", "", fmt.Errorf("put %s: %w", kind, ErrEmptyNodeID)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return "", "", fmt.Errorf("marshal status of %s: %w", st.NodeID, err)
	}
	return NodeKey(kind, st.NodeID), string(b), nil
}

// decodeStatus decodes a node value; an empty nodeId is taken from the key.
func decodeStatus(key, b []byte) (*Status, error) {
	st := new(Status)
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("decode status at %s: %w", key, err)
	}
	if st.NodeID == "" {
		if _, id, ok := ParseNodeKey(string(key)); ok {
			st.NodeID = id
		}
	}
	return st, nil
}
