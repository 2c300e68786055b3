package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// URLSource lists the status URLs ("http://host:port") of the TiDB servers
// that History may ask, in order of preference.
type URLSource interface {
	StatusURLs(ctx context.Context) ([]string, error)
}

type staticURLs []string

// StaticURLs is the URLSource of a configured list (tidb-status-urls). Each
// element may be a comma-separated list; a URL without a scheme gets http://
// (https:// when secure, which also upgrades http://).
func StaticURLs(urls []string, secure bool) (URLSource, error) {
	eps, err := registry.NormalizeURLs(urls, secure)
	if err != nil {
		return nil, fmt.Errorf("tidb status urls: %w", err)
	}
	return staticURLs(eps), nil
}

func (u staticURLs) StatusURLs(context.Context) ([]string, error) {
	return append([]string(nil), u...), nil
}

// Topology lists the live TiDB servers (implemented by *registry.Registry,
// which reads /topology/tidb/<ip:port>/{info,ttl} in PD's etcd).
type Topology interface {
	TiDBInstances(ctx context.Context) ([]registry.TiDBInfo, error)
}

type topologyURLs struct {
	topo   Topology
	secure bool
}

// TopologyURLs is the URLSource of the TiDB servers registered in PD's etcd
// (alive while their ttl key exists); secure selects https.
func TopologyURLs(t Topology, secure bool) URLSource { return topologyURLs{topo: t, secure: secure} }

func (t topologyURLs) StatusURLs(ctx context.Context) ([]string, error) {
	insts, err := t.topo.TiDBInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tidb instances: %w", err)
	}
	var urls []string
	for _, in := range insts {
		if in.StatusURL != "" {
			urls = append(urls, in.StatusURL)
		}
	}
	if len(urls) == 0 {
		return nil, nil
	}
	return registry.NormalizeURLs(urls, t.secure)
}

// NewURLSource returns StaticURLs(static) when tidb-status-urls is
// configured, else TopologyURLs(topo); secure selects https.
func NewURLSource(static []string, topo Topology, secure bool) (URLSource, error) {
	for _, u := range static {
		if strings.TrimSpace(strings.ReplaceAll(u, ",", "")) != "" {
			return StaticURLs(static, secure)
		}
	}
	if topo == nil {
		return nil, ErrNoTiDB
	}
	return TopologyURLs(topo, secure), nil
}
