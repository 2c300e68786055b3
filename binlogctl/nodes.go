package binlogctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// NodeStore is the part of the etcd registry binlogctl uses
// (implemented by *registry.Registry).
type NodeStore interface {
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
	Node(ctx context.Context, kind, nodeID string) (*registry.Status, error)
	UpdateExistingNode(ctx context.Context, kind string, st *registry.Status) error
}

var _ NodeStore = (*registry.Registry)(nil)

// GCPointSource optionally gives the pumps' GC point (a TSO): binlogs at or
// below it may already be purged. ok is false when it is unknown.
type GCPointSource interface {
	GCPoint(ctx context.Context) (gcTS int64, ok bool)
}

// QueryNodes prints one "query node" line per node of kind, skipping
// offline nodes unless showOffline. When listing drainers with a non-nil
// gc, a non-offline drainer whose checkpoint is behind the pumps' GC point
// is reported with a warning line (DESIGN 2.7).
func QueryNodes(ctx context.Context, out io.Writer, nodes NodeStore, kind string, showOffline bool, gc GCPointSource) error {
	list, _, err := nodes.Nodes(ctx, kind)
	if err != nil {
		return fmt.Errorf("query %s: %w", kind, err)
	}
	p := newPrinter(out)
	for _, n := range list {
		if n.State == registry.Offline && !showOffline {
			continue
		}
		if err := p.info("query node", kv("type", nodeTypeName(kind)), kv("node", formatNode(n))); err != nil {
			return err
		}
	}
	if kind != registry.KindDrainer || gc == nil {
		return nil
	}
	gcTS, ok := gc.GCPoint(ctx)
	if !ok {
		return nil
	}
	for _, n := range list {
		if n.State == registry.Offline || n.MaxCommitTS >= gcTS {
			continue
		}
		err := p.warn("drainer checkpoint is behind the pumps' GC point, some binlogs may be purged",
			kv("nodeID", n.NodeID), kv("maxCommitTS", n.MaxCommitTS), kv("gcTS", gcTS))
		if err != nil {
			return err
		}
	}
	return nil
}

// UpdateNodeState writes state directly into a node's record in etcd. Only
// the state name is validated: this is how a crashed node is repaired.
func UpdateNodeState(ctx context.Context, out io.Writer, nodes NodeStore, kind, nodeID, state string) error {
	if !registry.ValidState(state) {
		return fmt.Errorf("state %q: %w (want online, pausing, paused, closing or offline)", state, ErrBadState)
	}
	if nodeID == "" {
		return ErrNoNodeID
	}
	n, err := nodes.Node(ctx, kind, nodeID)
	if err != nil {
		return fmt.Errorf("find %s %s: %w", nodeTypeName(kind), nodeID, err)
	}
	n.State = state
	if err := nodes.UpdateExistingNode(ctx, kind, n); err != nil {
		return fmt.Errorf("update %s %s: %w", nodeTypeName(kind), nodeID, err)
	}
	return newPrinter(out).info("update node state",
		kv("type", nodeTypeName(kind)), kv("nodeID", nodeID), kv("state", state))
}

// actionReply is the JSON answer of PUT /state/{nodeID}/{action}.
type actionReply struct {
	Message string          `json:"message"`
	Code    int             `json:"code"`
	Data    json.RawMessage `json:"data"`
}

// ApplyAction looks up the node's address in etcd and sends it
// PUT <scheme>://<addr>/state/<nodeID>/<action>. The node's JSON answer is
// printed; a non-200 code in it (the node refused, e.g. it is not online)
// is returned as ErrActionFailed.
func ApplyAction(ctx context.Context, out io.Writer, nodes NodeStore, client *http.Client, scheme, kind, nodeID, action string) error {
	if nodeID == "" {
		return ErrNoNodeID
	}
	n, err := nodes.Node(ctx, kind, nodeID)
	if err != nil {
		return fmt.Errorf("find %s %s: %w", nodeTypeName(kind), nodeID, err)
	}
	url := fmt.Sprintf("%s://%s/state/%s/%s", scheme, n.Addr, n.NodeID, action)
	body, status, err := put(ctx, client, url)
	if err != nil {
		return err
	}
	var reply actionReply
	jsonErr := json.Unmarshal(body, &reply)
	answer := strings.TrimSpace(string(body))
	switch {
	case jsonErr == nil && reply.Code != 0 && reply.Code != http.StatusOK:
		return fmt.Errorf("%s %s on %s: %w: code %d: %s", action, nodeTypeName(kind), nodeID, ErrActionFailed, reply.Code, reply.Message)
	case status < 200 || status > 299:
		return fmt.Errorf("%s %s on %s: %w: http status %d: %s", action, nodeTypeName(kind), nodeID, ErrActionFailed, status, answer)
	}
	return newPrinter(out).info("apply action on node success",
		kv("action", action), kv("NodeID", n.NodeID), kv("url", url), kv("reply", answer))
}

func put(ctx context.Context, client *http.Client, url string) (body []byte, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("build request %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("put %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("read answer of %s: %w", url, err)
	}
	return body, resp.StatusCode, nil
}
