package tidblite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/version"
)

// closeWait bounds how long Close waits for background commit binlogs
// before it stops the pump client.
const closeWait = 5 * time.Second

// connGrace is how long Close lets clients close their connections.
const connGrace = 500 * time.Millisecond

// Server is a running tidb-lite.
type Server struct {
	cfg Config
	lg  *zap.Logger

	memProvider *memory.DbProvider
	engine      *sqle.Engine
	inner       mysql.Handler // the engine's own connection handler
	mysqlSrv    *server.Server
	statusSrv   *http.Server
	statusLn    net.Listener

	port, statusPort int
	advertiseHost    string
	ddlID            string
	started          time.Time

	tso          tsoSource
	pdc          *pd.Client
	etcd         *clientv3.Client
	reg          nodeRegistry
	meta         metaStore
	binlog       binlogWriter
	pumps        *pumpclient.PumpsClient
	stopTopology func()

	engineMu sync.RWMutex // statements and commits share it, DDL and replay take it alone (occ.go)
	commitMu sync.Mutex   // one commit check-and-apply at a time; guards wsets
	wsets    *writeSets
	autoInc  *autoIncs
	seqs     *sequences
	catMu    sync.RWMutex // guards cat for readers without the engine lock
	cat      *catalog
	ids      *rowIDs
	bin      recycleBin // dropped and truncated tables, for RECOVER|FLASHBACK TABLE
	mvcc     *mvccStore
	conns    connTable

	crashMu    sync.Mutex
	crashMode  string
	skipBinlog atomic.Bool

	asyncWG, connWG, serveWG sync.WaitGroup
	closing                  chan struct{}
	closeOnce                sync.Once
}

// Start starts a tidb-lite server: the MySQL protocol on cfg.Addr and the
// status API on cfg.StatusAddr. It returns once both accept connections.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.adjust()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, lg: cfg.Logger.With(zap.String("component", "tidb-lite")),
		wsets: newWriteSets(), autoInc: newAutoIncs(), seqs: &sequences{m: map[int64]*seqState{}}, cat: newCatalog(), closing: make(chan struct{}),
		mvcc: newMVCCStore(cfg.MVCCKeys, time.Now), started: time.Now(), ddlID: newDDLID(),
		crashMode: cfg.CrashNextTxn, conns: connTable{conns: map[uint32]*connState{}},
	}
	routeEngineLogs(s.lg)
	if err := s.start(ctx); err != nil {
		s.shutdown()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	if err := s.connectPD(ctx); err != nil {
		return err
	}
	s.ids = newRowIDs(s.meta)
	s.autoInc.reserve = s.reserveAutoIDs
	if err := s.connectPumps(); err != nil {
		return err
	}
	s.memProvider = memory.NewDBProvider()
	pro := &hookProvider{DbProvider: s.memProvider, sink: s, autoInc: s.autoInc}
	s.engine = sqle.New(newAnalyzer(pro), nil)
	s.engineMu.Lock()
	err := s.catchUp(ctx)
	s.engineMu.Unlock()
	if err != nil {
		return fmt.Errorf("load ddl history: %w", err)
	}
	if err := s.listen(); err != nil {
		return err
	}
	return s.register(ctx)
}

// connectPD opens the TSO, the registry and the meta store.
func (s *Server) connectPD(ctx context.Context) error {
	if len(s.cfg.PDURLs) == 0 {
		s.tso, s.meta = &localTSO{now: time.Now}, newMemMeta()
		return nil
	}
	pdc, err := pd.NewClient(ctx, s.cfg.PDURLs, s.cfg.Security, s.lg)
	if err != nil {
		return fmt.Errorf("connect pd: %w", err)
	}
	s.pdc, s.tso = pdc, pdc
	tlsCfg, err := s.cfg.Security.ToTLSConfig()
	if err != nil {
		return fmt.Errorf("load tls config: %w", err)
	}
	if s.etcd, err = registry.NewEtcdClient(s.cfg.PDURLs, tlsCfg, s.lg); err != nil {
		return fmt.Errorf("connect etcd: %w", err)
	}
	s.reg = registry.New(s.etcd, s.lg)
	meta, err := newEtcdMeta(s.etcd, s.lg)
	if err != nil {
		return err
	}
	s.meta = meta
	return nil
}

// connectPumps opens the pump client when binlog is enabled.
func (s *Server) connectPumps() error {
	if !s.cfg.EnableBinlog {
		return nil
	}
	urls := strings.Join(s.cfg.PDURLs, ",")
	opts := []pumpclient.Option{pumpclient.WithLogger(s.lg), pumpclient.WithRegisterer(s.cfg.Registerer)}
	var (
		c   *pumpclient.PumpsClient
		err error
	)
	if s.cfg.BinlogSocket != "" {
		c, err = pumpclient.NewLocalPumpsClient(urls, s.cfg.BinlogSocket, s.cfg.BinlogWriteTimeout, s.cfg.Security, opts...)
	} else {
		c, err = pumpclient.NewPumpsClient(urls, s.cfg.BinlogStrategy, s.cfg.BinlogWriteTimeout, s.cfg.Security, opts...)
	}
	if err != nil {
		return fmt.Errorf("create pumps client: %w", err)
	}
	s.pumps, s.binlog = c, c
	return nil
}

// listen starts the MySQL and the status servers.
func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.advertiseHost = s.cfg.advertiseHost(host)
	srvCfg := server.Config{Protocol: "tcp", Address: ln.Addr().String(), Listener: ln, Version: s.serverVersion()}
	wrap := func(h mysql.Handler) (mysql.Handler, error) {
		s.inner = h
		return &handler{Handler: h, s: s}, nil
	}
	s.mysqlSrv, err = server.NewServerWithHandler(srvCfg, s.engine, sql.NewContext, s.sessionBuilder(s.memProvider), nil, wrap)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("create mysql server: %w", err)
	}
	if s.statusLn, err = net.Listen("tcp", s.cfg.StatusAddr); err != nil {
		s.mysqlSrv.Close()
		s.mysqlSrv = nil
		return fmt.Errorf("listen on %s: %w", s.cfg.StatusAddr, err)
	}
	s.statusPort = s.statusLn.Addr().(*net.TCPAddr).Port
	secured, err := s.statusListener(s.statusLn)
	if err != nil {
		_ = s.statusLn.Close()
		s.mysqlSrv.Close()
		s.mysqlSrv = nil
		return err
	}
	s.statusLn = secured
	s.statusSrv = &http.Server{Handler: s.statusHandler(), ReadHeaderTimeout: 10 * time.Second}
	s.serveWG.Add(2)
	go func() {
		defer s.serveWG.Done()
		_ = s.mysqlSrv.Start()
	}()
	go func() {
		defer s.serveWG.Done()
		s.serveStatus()
	}()
	s.lg.Info("tidb-lite serving", zap.String("addr", s.Addr()), zap.String("statusAddr", s.StatusAddr()),
		zap.Bool("binlog", s.binlog != nil))
	return nil
}

// register writes the topology keys TiDB keeps in etcd.
func (s *Server) register(ctx context.Context) error {
	r, ok := s.reg.(*registry.Registry)
	if !ok {
		return nil
	}
	wd, _ := os.Getwd()
	info := registry.TiDBTopology{
		Version: s.serverVersion(), GitHash: version.GitHash, IP: s.advertiseHost,
		StatusPort: uint(s.statusPort), DeployPath: wd, StartTimestamp: s.started.Unix(),
		Labels: map[string]string{},
	}
	addr := net.JoinHostPort(s.advertiseHost, strconv.Itoa(s.port))
	stop, err := r.RegisterTiDB(ctx, addr, info, s.cfg.TopologyTTL)
	if err != nil {
		return fmt.Errorf("register topology: %w", err)
	}
	s.stopTopology = stop
	return nil
}

// Addr is the real MySQL protocol address (host:port).
func (s *Server) Addr() string { return net.JoinHostPort(s.advertiseHost, strconv.Itoa(s.port)) }

// StatusAddr is the real status API address (host:port).
func (s *Server) StatusAddr() string {
	return net.JoinHostPort(s.advertiseHost, strconv.Itoa(s.statusPort))
}

// StatusURL is the base URL of the status API.
// (https:// when Config.Security is enabled).
func (s *Server) StatusURL() string { return s.statusScheme() + s.StatusAddr() }

// Close stops the server: it deregisters, closes every connection (open
// transactions are abandoned), lets background commit binlogs finish and
// closes the pump client.
func (s *Server) Close() error {
	s.closeOnce.Do(s.shutdown)
	return nil
}

func (s *Server) shutdown() {
	close(s.closing)
	if s.stopTopology != nil {
		s.stopTopology()
	}
	if s.mysqlSrv != nil {
		_ = s.mysqlSrv.Close()
		s.closeConns()
	}
	if s.statusSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		s.closeStatus(ctx)
		cancel()
	}
	s.serveWG.Wait()
	s.closeClients()
}

// closeConns lets clients hang up for a moment, then closes what is left.
func (s *Server) closeConns() {
	done := make(chan struct{})
	go func() {
		s.connWG.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(connGrace):
	}
	for _, cs := range s.conns.all() {
		if cs.conn != nil {
			cs.conn.Close()
		}
	}
	<-done
}

// closeClients waits for background binlog writes, then closes the pump,
// etcd and PD clients.
func (s *Server) closeClients() {
	done := make(chan struct{})
	go func() {
		s.asyncWG.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
	if s.pumps != nil {
		s.pumps.Close()
	}
	<-done
	if s.meta != nil {
		if err := s.meta.close(); err != nil && !errors.Is(err, context.Canceled) {
			s.lg.Warn("close meta session failed", zap.Error(err))
		}
	}
	if s.etcd != nil {
		_ = s.etcd.Close()
	}
	if s.pdc != nil {
		s.pdc.Close()
	}
}

func newDDLID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
