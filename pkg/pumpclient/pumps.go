package pumpclient

import (
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// putPump adds a pump or applies a new registry status to a known one. A
// state change to online makes it available again (its error count is
// reset); any other state makes it unavailable.
func (c *PumpsClient) putPump(st *registry.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pumps[st.NodeID]
	if !ok {
		p = newPump(st, c.dial)
		c.pumps[p.nodeID] = p
		c.lg.Info("found pump", zap.String("nodeID", p.nodeID), zap.String("addr", st.Addr), zap.String("state", st.State))
		c.classifyLocked(p, p.usable(c.opts.maxErrNum))
		return
	}
	if !p.setStatus(st) {
		return
	}
	c.lg.Info("pump state changed", zap.String("nodeID", p.nodeID), zap.String("state", st.State))
	if st.State == registry.Online {
		p.errNum.Store(0)
		c.classifyLocked(p, true)
		return
	}
	c.classifyLocked(p, false)
}

// removePump forgets a pump whose registry key was deleted.
func (c *PumpsClient) removePump(nodeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pumps[nodeID]
	if !ok {
		return
	}
	c.lg.Info("pump removed", zap.String("nodeID", nodeID))
	p.close()
	delete(c.pumps, nodeID)
	delete(c.available, nodeID)
	delete(c.unavailable, nodeID)
	c.refreshSelectorLocked()
}

// setAvailable moves a known pump between the available and unavailable
// sets. Becoming available resets its error count.
func (c *PumpsClient) setAvailable(p *pumpNode, available bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pumps[p.nodeID] != p {
		return // removed or replaced meanwhile
	}
	if available {
		p.errNum.Store(0)
	}
	if _, isAvailable := c.available[p.nodeID]; isAvailable == available {
		return
	}
	c.lg.Info("set pump availability", zap.String("nodeID", p.nodeID), zap.Bool("available", available))
	c.classifyLocked(p, available)
}

func (c *PumpsClient) classifyLocked(p *pumpNode, available bool) {
	if available {
		delete(c.unavailable, p.nodeID)
		c.available[p.nodeID] = p
	} else {
		delete(c.available, p.nodeID)
		c.unavailable[p.nodeID] = p
	}
	c.refreshSelectorLocked()
}

func (c *PumpsClient) refreshSelectorLocked() {
	c.sel.setPumps(slices.Collect(maps.Values(c.available)))
	c.m.available.Set(float64(len(c.available)))
}

func (c *PumpsClient) availableCount() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.available)
}

// pumpByID returns the current pump object of a node id.
func (c *PumpsClient) pumpByID(nodeID string) *pumpNode {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pumps[nodeID]
}

// onlinePumps returns every pump whose registry state is online, available
// or not, ordered by node id.
func (c *PumpsClient) onlinePumps() []*pumpNode {
	c.mu.RLock()
	all := slices.Collect(maps.Values(c.pumps))
	c.mu.RUnlock()
	var out []*pumpNode
	for _, p := range sortedPumps(all) {
		if p.isOnline() {
			out = append(out, p)
		}
	}
	return out
}

// probeCandidates returns the unavailable pumps that are online.
func (c *PumpsClient) probeCandidates() []*pumpNode {
	c.mu.RLock()
	all := slices.Collect(maps.Values(c.unavailable))
	c.mu.RUnlock()
	var out []*pumpNode
	for _, p := range sortedPumps(all) {
		if p.isOnline() {
			out = append(out, p)
		}
	}
	return out
}
