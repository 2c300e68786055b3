package registry

import "sync"

// LocalNode is a daemon's own identity and in-memory state (a pump's or a
// drainer's): what it registers and what its HTTP state API changes. It is
// safe for concurrent use. A new node is Paused until it registers.
type LocalNode struct {
	id string

	mu    sync.Mutex
	addr  string
	state string
}

// NewLocalNode returns the node id with advertised address addr.
func NewLocalNode(id, addr string) *LocalNode {
	return &LocalNode{id: id, addr: addr, state: Paused}
}

// ID is the node id.
func (n *LocalNode) ID() string { return n.id }

// State is the node's current state.
func (n *LocalNode) State() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

// SetState sets the state.
func (n *LocalNode) SetState(state string) {
	n.mu.Lock()
	n.state = state
	n.mu.Unlock()
}

// Transition moves from `from` to `to` when the state is `from`; it returns
// the state after the call and whether it moved.
func (n *LocalNode) Transition(from, to string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != from {
		return n.state, false
	}
	n.state = to
	return to, true
}

// Addr is the advertised address.
func (n *LocalNode) Addr() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addr
}

// SetAddr sets the advertised address (once the real port is known).
func (n *LocalNode) SetAddr(addr string) {
	n.mu.Lock()
	n.addr = addr
	n.mu.Unlock()
}
