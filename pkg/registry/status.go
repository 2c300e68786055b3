package registry

import (
	"errors"
	"strings"
)

// Root is the prefix of every node key.
const Root = "/tidb-binlog/v1"

// legacyRoot is the prefix used by old versions, still understood when parsing keys.
const legacyRoot = "/tidb-binlog"

// Node kinds: the path element below Root.
const (
	KindPump    = "pumps"
	KindDrainer = "drainers"
)

// Node states.
const (
	Online  = "online"
	Pausing = "pausing"
	Paused  = "paused"
	Closing = "closing"
	Offline = "offline"
)

// Sentinel errors.
var (
	ErrNodeNotFound = errors.New("registry: node not found")
	ErrNodeExists   = errors.New("registry: node already exists")
	ErrBadKind      = errors.New("registry: unknown node kind")
	ErrEmptyNodeID  = errors.New("registry: empty node id")
)

// ValidState reports whether s is one of the five node states.
func ValidState(s string) bool {
	switch s {
	case Online, Pausing, Paused, Closing, Offline:
		return true
	}
	return false
}

// Label is the (unused) label set of a node.
type Label struct {
	Labels map[string]string `json:"labels"`
}

// Status is the JSON value stored at a node key.
type Status struct {
	NodeID      string `json:"nodeId"`
	Addr        string `json:"host"`
	State       string `json:"state"`
	IsAlive     bool   `json:"isAlive"`
	Score       int64  `json:"score"`
	Label       *Label `json:"label"`
	MaxCommitTS int64  `json:"maxCommitTS"`
	UpdateTS    int64  `json:"updateTS"`
}

func validKind(kind string) bool { return kind == KindPump || kind == KindDrainer }

// NodeKey returns the etcd key of a node: /tidb-binlog/v1/<kind>/<nodeID>.
func NodeKey(kind, nodeID string) string {
	return kindPrefix(kind) + nodeID
}

func kindPrefix(kind string) string { return Root + "/" + kind + "/" }

// ParseNodeKey splits a node key into kind and node id. It accepts the
// current form /tidb-binlog/v1/<kind>/<id> and the legacy /tidb-binlog/<kind>/<id>.
func ParseNodeKey(key string) (kind, nodeID string, ok bool) {
	rest, found := strings.CutPrefix(key, Root+"/")
	if !found {
		rest, found = strings.CutPrefix(key, legacyRoot+"/")
		if !found {
			return "", "", false
		}
	}
	kind, nodeID, found = strings.Cut(rest, "/")
	if !found || !validKind(kind) || nodeID == "" {
		return "", "", false
	}
	return kind, nodeID, true
}
