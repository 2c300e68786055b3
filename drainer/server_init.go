package drainer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/checkpoint"
	"github.com/openbinlog/tidb-binlog/drainer/collector"
	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/drainer/schema"
	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"go.uber.org/zap"
)

// pdClient is the PD connection: cluster ID and timestamps.
type pdClient interface {
	TSO(ctx context.Context) (int64, error)
	ClusterID() uint64
	Close()
}

var _ pdClient = (*pd.Client)(nil)

// nodeRegistry reads and writes node statuses in etcd.
type nodeRegistry interface {
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
	UpdateNode(ctx context.Context, kind string, st *registry.Status) error
}

// closingCheckpoint is the checkpoint as the server holds it.
type closingCheckpoint interface {
	checkpointSaver
	Close() error
}

// init builds the dependencies in order (SPEC 5.2); on error the caller
// releases whatever was built.
func (s *Server) init() error {
	s.promReg = s.opts.registry
	if s.promReg == nil {
		s.promReg = newProcessRegistry()
	}
	var err error
	if s.tlsCfg, err = s.cfg.Security.ToTLSConfig(); err != nil {
		return fmt.Errorf("load tls config: %w", err)
	}
	// The data dir holds the file checkpoint and the default file-sink dir.
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data-dir %s: %w", s.cfg.DataDir, err)
	}
	if err := s.connect(); err != nil {
		return err
	}
	id := s.cfg.NodeID
	if id == "" {
		if id, err = defaultNodeID(s.cfg.ListenAddr); err != nil {
			return err
		}
	}
	s.node = registry.NewLocalNode(id, s.cfg.AdvertiseAddr)
	s.lg = s.lg.With(zap.String("nodeID", id))
	initialTS, err := s.initialCommitTS()
	if err != nil {
		return err
	}
	if err := s.openCheckpoint(initialTS); err != nil {
		return err
	}
	s.lg.Info("loaded checkpoint", zap.Int64("commitTS", s.cp.TS()), zap.Int64("schemaVersion", s.cp.SchemaVersion()))
	return s.build()
}

func (s *Server) connect() error {
	urls := config.SplitList(s.cfg.PDURLs)
	pdCli, err := pd.NewClient(s.ctx, urls, s.cfg.Security, log.Library(s.lg, "pdClient"))
	if err != nil {
		err = fmt.Errorf("connect pd: %w", err)
		if s.cfg.Syncer.Relay.IsEnabled() {
			s.lg.Error("PD is unreachable: applying the relay log to make the downstream consistent", zap.Error(err))
			return errors.Join(err, RecoverFromRelay(s.ctx, s.cfg, s.lg))
		}
		return err
	}
	s.pd = pdCli
	s.clusterID = pdCli.ClusterID()
	s.lg.Info("get cluster id from pd", zap.Uint64("clusterID", s.clusterID))
	s.etcd, err = registry.NewEtcdClient(urls, s.tlsCfg, log.Library(s.lg, "etcdClient"))
	if err != nil {
		return fmt.Errorf("connect etcd: %w", err)
	}
	s.reg = registry.New(s.etcd, s.lg)
	return nil
}

// initialCommitTS resolves initial-commit-ts: -1 is the latest TSO.
func (s *Server) initialCommitTS() (int64, error) {
	if s.cfg.InitialCommitTS != -1 {
		return s.cfg.InitialCommitTS, nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	ts, err := s.pd.TSO(ctx)
	if err != nil {
		return 0, fmt.Errorf("get the latest tso for initial-commit-ts -1: %w", err)
	}
	return ts, nil
}

// openCheckpoint opens the checkpoint of [syncer.to.checkpoint]; a corrupt
// or unreadable checkpoint is an error, never a silent restart from zero.
func (s *Server) openCheckpoint(initialTS int64) error {
	cpc := s.cfg.Syncer.To.Checkpoint
	switch cpc.Type {
	case DBTypeMySQL, DBTypeTiDB:
		db, err := s.openDB(dbTarget{cpc.Host, cpc.Port, cpc.User, cpc.Password, cpc.Security, nil})
		if err != nil {
			return fmt.Errorf("open checkpoint database: %w", err)
		}
		cp, err := checkpoint.NewMySQL(db, checkpoint.MySQLConfig{
			ClusterID: s.clusterID, Schema: cpc.Schema, Table: cpc.Table, InitialCommitTS: initialTS, Logger: s.lg,
		})
		if err != nil {
			return fmt.Errorf("load checkpoint: %w", err)
		}
		s.cp = cp
	default:
		path := filepath.Join(s.cfg.DataDir, "savepoint")
		cp, err := checkpoint.NewFile(path, checkpoint.WithInitialCommitTS(initialTS))
		if err != nil {
			return fmt.Errorf("load checkpoint: %w", err)
		}
		s.cp = cp
	}
	return nil
}

// dbTarget is a MySQL server to connect to.
type dbTarget struct {
	host     string
	port     int
	user     string
	password string
	security security.Config
	params   map[string]string
}

// openDB opens a downstream connection pool that Close releases.
func (s *Server) openDB(t dbTarget) (*sql.DB, error) {
	tlsCfg, err := t.security.ToTLSConfig()
	if err != nil {
		return nil, fmt.Errorf("load tls config: %w", err)
	}
	to := s.cfg.Syncer.To
	db, err := loader.OpenDB(loader.DBConfig{
		Host: t.host, Port: t.port, User: t.user, Password: t.password, TLS: tlsCfg,
		Params: t.params, ReadTimeout: to.ReadTimeout.Duration, SQLMode: s.cfg.Syncer.StrSQLMode,
	})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, db.Close)
	return db, nil
}

// build loads the DDL history and builds the schema, the sink, the
// collector and the syncer.
func (s *Server) build() error {
	src, err := s.statusURLs()
	if err != nil {
		return err
	}
	hist := schema.NewHistory(src, s.lg, schema.WithTLS(s.tlsCfg))
	jobs, err := hist.AllJobs(s.ctx)
	if err != nil {
		return fmt.Errorf("load the DDL history: %w", err)
	}
	s.lg.Info("loaded the DDL history", zap.Int("jobs", len(jobs)))
	sch, err := schema.New(jobs, s.lg)
	if err != nil {
		return fmt.Errorf("build schema: %w", err)
	}
	tables, err := s.cfg.Syncer.tableFilter()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	events, err := s.cfg.Syncer.eventFilter()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	s.budget = membudget.New(int64(s.cfg.MemoryLimit))
	if s.sink, err = s.newSink(sch); err != nil {
		return err
	}
	s.collector, err = collector.New(collector.Config{
		ClusterID:         s.clusterID,
		InitialTS:         s.cp.TS(),
		DetectInterval:    time.Duration(s.cfg.DetectInterval) * time.Second,
		Compressor:        s.cfg.Compressor,
		TLS:               s.tlsCfg,
		IgnoreTxnCommitTS: s.cfg.Syncer.IgnoreTxnCommitTS,
	}, collector.Deps{Registry: s.reg, Logger: s.lg, Registerer: s.promReg, Budget: s.budget})
	if err != nil {
		return fmt.Errorf("create collector: %w", err)
	}
	s.metrics = newMetrics(s.promReg)
	sc := &s.cfg.Syncer
	s.syncer = NewSyncer(SyncerOptions{
		DestDBType:        sc.DestDBType,
		SafeMode:          sc.SafeMode,
		SafeModeWindow:    s.opts.safeModeWindow,
		SyncDDL:           sc.SyncDDL,
		IgnoreTxnCommitTS: sc.IgnoreTxnCommitTS,
		QueueItems:        s.cfg.CacheBinlogs,
		QueueBytes:        int64(s.cfg.MemoryLimit),
		LoopbackControl:   sc.LoopbackControl,
	}, SyncerDeps{
		Schema: schemaAdapter{sch}, Jobs: hist, Sink: s.sink, Checkpoint: s.cp,
		Tables: tables, Logger: s.lg, Budget: s.budget, metrics: s.metrics,
	})
	if events != nil {
		s.syncer.deps.Events = events
	}
	if sc.LoopbackControl {
		s.syncer.deps.Loopback = loopbackFilter(sch, sc.ChannelID)
	}
	return nil
}

// statusURLs is tidb-status-urls, or the TiDB topology in etcd.
func (s *Server) statusURLs() (schema.URLSource, error) {
	if urls := config.SplitList(s.cfg.TiDBStatusURLs); len(urls) > 0 {
		return schema.StaticURLs(urls, s.tlsCfg != nil)
	}
	return schema.TopologyURLs(registry.New(s.etcd, s.lg), s.tlsCfg != nil), nil
}
