package pumpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// localPumpID is the node id of the single pump of a local (unix socket) client.
const localPumpID = "localPump"

// errPumpRemoved is returned by writes to a pump that left the client.
var errPumpRemoved = errors.New("pumpclient: pump removed")

// dialConfig says how connections to pumps are made.
type dialConfig struct {
	tls     *tls.Config
	unix    bool
	timeout time.Duration
}

// pumpNode is one pump known to the client: its registry status and a lazily
// created gRPC connection.
type pumpNode struct {
	nodeID string
	dial   dialConfig

	errNum atomic.Int64 // consecutive failures; reset on success

	metricsOnce sync.Once
	metrics     map[string]*typeMetrics // by binlog type

	mu      sync.Mutex
	status  registry.Status
	conn    *grpc.ClientConn
	cli     binlogpb.PumpClient
	gen     uint64 // bumped on every new connection
	removed bool
}

func newPump(st *registry.Status, dial dialConfig) *pumpNode {
	return &pumpNode{nodeID: st.NodeID, dial: dial, status: *st}
}

// metricsFor returns the pump's metrics of a binlog type.
func (p *pumpNode) metricsFor(m *metrics, typ string) *typeMetrics {
	p.metricsOnce.Do(func() { p.metrics = m.forPump(p.nodeID) })
	return p.metrics[typ]
}

// Status returns a copy of the pump's last known registry status.
func (p *pumpNode) Status() registry.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *pumpNode) state() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status.State
}

// isOnline reports whether the registry says the pump is online.
func (p *pumpNode) isOnline() bool { return p.state() == registry.Online }

// usable reports whether the pump may receive prewrites: online and not
// failing more than maxErr times in a row.
func (p *pumpNode) usable(maxErr int64) bool { return p.isOnline() && p.errNum.Load() <= maxErr }

// setStatus records a new registry status and tells whether the state
// changed; a new address drops the connection.
func (p *pumpNode) setStatus(st *registry.Status) (stateChanged bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	stateChanged = p.status.State != st.State
	if p.status.Addr != st.Addr {
		p.closeConnLocked()
	}
	p.status = *st
	return stateChanged
}

// client returns the gRPC client and the generation of its connection,
// dialing lazily.
func (p *pumpNode) client() (binlogpb.PumpClient, uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.removed {
		return nil, 0, errPumpRemoved
	}
	if p.cli != nil {
		return p.cli, p.gen, nil
	}
	conn, err := p.newConn(p.status.Addr)
	if err != nil {
		return nil, 0, fmt.Errorf("create grpc connection for pump %s: %w", p.nodeID, err)
	}
	p.conn, p.cli = conn, binlogpb.NewPumpClient(conn)
	p.gen++
	return p.cli, p.gen, nil
}

func (p *pumpNode) newConn(addr string) (*grpc.ClientConn, error) {
	network := "tcp"
	if p.dial.unix {
		network = "unix"
	} else {
		addr = config.StripScheme(addr)
	}
	d := &net.Dialer{Timeout: p.dial.timeout}
	creds := insecure.NewCredentials()
	if p.dial.tls != nil {
		creds = credentials.NewTLS(p.dial.tls.Clone())
	}
	bo := backoff.DefaultConfig
	bo.BaseDelay = 100 * time.Millisecond
	bo.MaxDelay = 2 * time.Second
	return grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return d.DialContext(ctx, network, a)
		}),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: p.dial.timeout}),
	)
}

// write sends req and counts consecutive failures. A response carrying an
// error message is a failure too.
func (p *pumpNode) write(ctx context.Context, req *binlogpb.WriteBinlogReq) (gen uint64, err error) {
	cli, gen, err := p.client()
	if err != nil {
		p.errNum.Add(1)
		return 0, err
	}
	resp, err := cli.WriteBinlog(ctx, req)
	if err == nil && resp.GetErrmsg() != "" {
		err = &PumpError{NodeID: p.nodeID, Msg: resp.GetErrmsg()}
	}
	if err != nil {
		p.errNum.Add(1)
		return gen, err
	}
	p.errNum.Store(0)
	return gen, nil
}

// resetConn closes the connection if it is still generation gen, so that
// the next write dials again. Concurrent writers that already saw a newer
// connection are not disturbed.
func (p *pumpNode) resetConn(gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == gen {
		p.closeConnLocked()
	}
}

// resetIfBroken drops a connection stuck in transient failure, so a probe
// dials afresh instead of waiting out gRPC's reconnect backoff.
func (p *pumpNode) resetIfBroken() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil && p.conn.GetState() == connectivity.TransientFailure {
		p.closeConnLocked()
	}
}

func (p *pumpNode) closeConnLocked() {
	if p.conn != nil {
		_ = p.conn.Close()
	}
	p.conn, p.cli = nil, nil
}

// close drops the connection for good.
func (p *pumpNode) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removed = true
	p.closeConnLocked()
}

// PumpError is an error message returned by a pump in WriteBinlogResp.
type PumpError struct {
	NodeID string
	Msg    string
}

func (e *PumpError) Error() string { return fmt.Sprintf("pump %s: %s", e.NodeID, e.Msg) }
