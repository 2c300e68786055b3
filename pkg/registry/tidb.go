package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// TopologyRoot is the prefix under which TiDB servers register themselves.
const TopologyRoot = "/topology/tidb"

// TiDBInfo locates a live TiDB server.
type TiDBInfo struct {
	Addr       string // ip:port of the MySQL protocol
	StatusPort int
	StatusURL  string // "http://<ip>:<status_port>"
}

// TiDBTopology is the JSON value TiDB stores at /topology/tidb/<ip:port>/info.
type TiDBTopology struct {
	Version        string            `json:"version"`
	GitHash        string            `json:"git_hash"`
	IP             string            `json:"ip"`
	StatusPort     uint              `json:"status_port"`
	DeployPath     string            `json:"deploy_path"`
	StartTimestamp int64             `json:"start_timestamp"`
	Labels         map[string]string `json:"labels"`
}

func topologyKey(addr, leaf string) string { return TopologyRoot + "/" + addr + "/" + leaf }

// TiDBInstances lists the TiDB servers whose /ttl key exists (they are
// alive), sorted by address. Entries with an undecodable info are skipped.
func (r *Registry) TiDBInstances(ctx context.Context) ([]TiDBInfo, error) {
	resp, err := r.cli.Get(ctx, TopologyRoot+"/", clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("list tidb topology: %w", err)
	}
	infos := map[string][]byte{}
	alive := map[string]bool{}
	for _, kv := range resp.Kvs {
		addr, leaf, ok := strings.Cut(strings.TrimPrefix(string(kv.Key), TopologyRoot+"/"), "/")
		if !ok {
			continue
		}
		switch leaf {
		case "info":
			infos[addr] = kv.Value
		case "ttl":
			alive[addr] = true
		}
	}
	var out []TiDBInfo
	for addr, raw := range infos {
		if !alive[addr] {
			continue
		}
		info, err := tidbInfo(addr, raw)
		if err != nil {
			r.lg.Warn("skip undecodable tidb topology", zap.String("addr", addr), zap.Error(err))
			continue
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out, nil
}

func tidbInfo(addr string, raw []byte) (TiDBInfo, error) {
	var topo TiDBTopology
	if err := json.Unmarshal(raw, &topo); err != nil {
		return TiDBInfo{}, fmt.Errorf("decode topology of %s: %w", addr, err)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return TiDBInfo{}, fmt.Errorf("parse topology address %s: %w", addr, err)
	}
	port := int(topo.StatusPort)
	return TiDBInfo{
		Addr:       addr,
		StatusPort: port,
		StatusURL:  "http://" + net.JoinHostPort(host, strconv.Itoa(port)),
	}, nil
}

// RegisterTiDB registers a TiDB server (used by tidb-lite) the way TiDB does:
// the info key (no lease) holds info as JSON, and the ttl key holds the
// registration time in Unix nanoseconds under a lease of ttl (rounded up to
// whole seconds, at least 1 s) that is kept alive in the background. If the
// lease is lost (etcd unreachable for longer than ttl) it is granted again
// and the keys are rewritten. addr is "ip:port" of the MySQL protocol.
//
// stop ends the keep-alive and revokes the lease, so the server disappears
// from TiDBInstances at once; the info key stays, as with TiDB.
func (r *Registry) RegisterTiDB(ctx context.Context, addr string, info TiDBTopology, ttl time.Duration) (stop func(), err error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("register tidb %q: %w", addr, err)
	}
	val, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("marshal tidb topology: %w", err)
	}
	k := &tidbKeeper{
		r: r, addr: addr, info: string(val),
		ttlSec: max(1, int64(math.Ceil(ttl.Seconds()))),
		lg:     r.lg.With(zap.String("tidbAddr", addr)),
	}
	lease, err := k.register(ctx)
	if err != nil {
		return nil, err
	}
	kctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		k.keep(kctx, lease)
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			k.revoke()
		})
	}, nil
}

type tidbKeeper struct {
	r      *Registry
	addr   string
	info   string
	ttlSec int64
	lg     *zap.Logger

	mu    sync.Mutex
	lease clientv3.LeaseID
}

// register grants a lease and writes the info and ttl keys.
func (k *tidbKeeper) register(ctx context.Context) (clientv3.LeaseID, error) {
	cli := k.r.cli
	g, err := cli.Grant(ctx, k.ttlSec)
	if err != nil {
		return 0, fmt.Errorf("grant lease for tidb %s: %w", k.addr, err)
	}
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	_, err = cli.Txn(ctx).Then(
		clientv3.OpPut(topologyKey(k.addr, "info"), k.info),
		clientv3.OpPut(topologyKey(k.addr, "ttl"), now, clientv3.WithLease(g.ID)),
	).Commit()
	if err != nil {
		_, _ = cli.Revoke(context.WithoutCancel(ctx), g.ID)
		return 0, fmt.Errorf("put tidb topology of %s: %w", k.addr, err)
	}
	k.mu.Lock()
	k.lease = g.ID
	k.mu.Unlock()
	return g.ID, nil
}

// keep refreshes the lease until ctx ends, registering again when it is lost.
func (k *tidbKeeper) keep(ctx context.Context, lease clientv3.LeaseID) {
	for {
		ch, err := k.r.cli.KeepAlive(ctx, lease)
		if err == nil {
			for range ch { // drain responses until the lease is lost or ctx ends
			}
		}
		if ctx.Err() != nil || k.r.cli.Ctx().Err() != nil {
			return
		}
		k.lg.Warn("tidb topology lease lost, registering again", zap.Error(err))
		for {
			if !sleepCtx(ctx, time.Second) {
				return
			}
			if lease, err = k.register(ctx); err == nil {
				break
			}
			k.lg.Warn("register tidb topology failed", zap.Error(err))
		}
	}
}

func (k *tidbKeeper) revoke() {
	k.mu.Lock()
	lease := k.lease
	k.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDialTimeout)
	defer cancel()
	if _, err := k.r.cli.Revoke(ctx, lease); err != nil {
		k.lg.Warn("revoke tidb topology lease failed", zap.Error(err))
	}
}
