package binlogctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// gcQueryTimeout bounds the whole optional GC-point lookup of -cmd drainers.
const gcQueryTimeout = 2 * time.Second

// pumpGCPoints asks every non-offline pump's GET /status for the drainers it
// found behind its GC point (field DrainersBehindGC, each with the pump's
// gcTS) and returns the highest gcTS reported. Pumps that do not answer, or
// answer without the field, are ignored: the lookup is best effort.
type pumpGCPoints struct {
	nodes   NodeStore
	client  *http.Client
	scheme  string
	timeout time.Duration
}

var _ GCPointSource = (*pumpGCPoints)(nil)

// pumpStatus is the part of a pump's /status answer read here.
type pumpStatus struct {
	DrainersBehindGC []struct {
		NodeID      string `json:"nodeId"`
		MaxCommitTS int64  `json:"maxCommitTS"`
		GCTS        int64  `json:"gcTS"`
	} `json:"DrainersBehindGC"`
}

// GCPoint implements GCPointSource.
func (g *pumpGCPoints) GCPoint(ctx context.Context) (int64, bool) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	pumps, _, err := g.nodes.Nodes(ctx, registry.KindPump)
	if err != nil {
		return 0, false
	}
	var best int64
	for _, p := range pumps {
		if p.State == registry.Offline {
			continue
		}
		st, err := g.status(ctx, p.Addr)
		if err != nil {
			continue
		}
		for _, d := range st.DrainersBehindGC {
			best = max(best, d.GCTS)
		}
	}
	return best, best > 0
}

func (g *pumpGCPoints) status(ctx context.Context, addr string) (*pumpStatus, error) {
	url := fmt.Sprintf("%s://%s/status", g.scheme, addr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %w", url, err)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	var st pumpStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&st); err != nil {
		return nil, fmt.Errorf("decode %s: %w", url, err)
	}
	return &st, nil
}
