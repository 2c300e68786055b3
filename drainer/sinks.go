package drainer

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/relay"
	"github.com/openbinlog/tidb-binlog/drainer/schema"
	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/sink/file"
	"github.com/openbinlog/tidb-binlog/drainer/sink/kafka"
	"github.com/openbinlog/tidb-binlog/drainer/sink/mysql"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// SinkEnv is what a sink builder gets: the configuration, the schema (the
// translators' TableInfoGetter), the cluster id, the logger and metrics,
// and a way to open a database that the server closes.
type SinkEnv struct {
	Config     *Config
	Schema     *schema.Schema
	ClusterID  uint64
	Logger     *zap.Logger
	Registerer prometheus.Registerer
	OpenDB     func(host string, port int, user, password string) (*sql.DB, error)
}

// SinkBuilder builds the sink of one db-type.
type SinkBuilder func(env SinkEnv) (sink.Sink, error)

// builtinSinks are the mysql, tidb, file and kafka sinks; WithSink adds or
// replaces one.
func builtinSinks() map[string]SinkBuilder {
	return map[string]SinkBuilder{
		DBTypeMySQL: newMySQLSink, DBTypeTiDB: newMySQLSink, DBTypeFile: newFileSink, DBTypeKafka: newKafkaSink,
	}
}

// newKafkaSink builds the kafka sink.
func newKafkaSink(env SinkEnv) (sink.Sink, error) {
	to := env.Config.Syncer.To
	return kafka.New(kafka.Config{
		ZKAddrs:        to.ZKAddrs,
		Addrs:          to.KafkaAddrs,
		Version:        to.KafkaVersion,
		MaxMessages:    to.KafkaMaxMessages,
		MaxMessageSize: int64(to.KafkaMaxMessageSize),
		ClientID:       to.KafkaClientID,
		Topic:          to.TopicName,
		PartitionBy:    to.PartitionBy,
		ExactlyOnce:    to.ExactlyOnce,
		ClusterID:      env.ClusterID,
	}, env.Schema, env.Logger, env.Registerer)
}

// newFileSink builds the file (pb) sink.
func newFileSink(env SinkEnv) (sink.Sink, error) {
	to := env.Config.Syncer.To
	return file.New(file.Config{
		Dir:        to.BinlogFileDir,
		Retention:  time.Duration(to.BinlogFileRetentionTime) * 24 * time.Hour,
		Logger:     env.Logger,
		Registerer: env.Registerer,
	}, env.Schema)
}

func (s *Server) newSink(sch *schema.Schema) (sink.Sink, error) {
	tp := s.cfg.Syncer.DestDBType
	build, ok := s.opts.sinks[tp]
	if !ok {
		return nil, fmt.Errorf("%w: db-type %s is not available in this build", ErrInvalidConfig, tp)
	}
	to := s.cfg.Syncer.To
	env := SinkEnv{
		Config: s.cfg, Schema: sch, ClusterID: s.clusterID, Logger: s.lg, Registerer: s.promReg,
		OpenDB: func(host string, port int, user, password string) (*sql.DB, error) {
			return s.openDB(dbTarget{host, port, user, password, to.Security, to.Params})
		},
	}
	sk, err := build(env)
	if err != nil {
		return nil, fmt.Errorf("create %s sink: %w", tp, err)
	}
	s.lg.Info("created sink", zap.String("dbType", tp))
	return sk, nil
}

// newMySQLSink builds the mysql and tidb sinks on pkg/loader.
func newMySQLSink(env SinkEnv) (sink.Sink, error) {
	sc := env.Config.Syncer
	to := sc.To
	db, err := env.OpenDB(to.Host, to.Port, to.User, to.Password)
	if err != nil {
		return nil, fmt.Errorf("open downstream %s:%d: %w", to.Host, to.Port, err)
	}
	loc, err := sessionLocation(db)
	if err != nil {
		return nil, err
	}
	opts := loader.DefaultOptions()
	opts.WorkerCount = sc.WorkerCount
	opts.BatchSize = sc.TxnBatch
	opts.DestType = sc.DestDBType
	opts.SafeMode = sc.SafeMode
	opts.Merge = to.Merge
	opts.EnableDispatch = sc.EnableDispatch()
	opts.EnableCausality = sc.EnableCausality()
	opts.SyncMode = loader.SyncMode(to.SyncMode)
	opts.MaxBytes = int64(env.Config.MemoryLimit)
	opts.Logger = env.Logger
	opts.Registerer = env.Registerer
	if sc.LoopbackControl {
		opts.Loopback = &loader.LoopbackOptions{ChannelID: sc.ChannelID}
	}
	sk, err := mysql.New(db, opts, env.Schema, loc)
	if err != nil || !sc.Relay.IsEnabled() {
		return sk, err
	}
	r, err := relay.NewRelayer(sc.Relay.LogDir, relay.Options{
		MaxFileSize: int64(sc.Relay.MaxFileSize), Logger: env.Logger, Registerer: env.Registerer,
	})
	if err != nil {
		_ = sk.Close()
		return nil, err
	}
	return newRelaySink(sk, r, env.Schema, loc), nil
}

// sessionLocation is the downstream session's time zone as a fixed offset
// (OpenDB sets it from params.time_zone or the server's offset).
func sessionLocation(db *sql.DB) (*time.Location, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var secs int64
	if err := db.QueryRowContext(ctx, "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())").Scan(&secs); err != nil {
		return nil, fmt.Errorf("read the downstream time zone: %w", err)
	}
	// NOW() and UTC_TIMESTAMP() are read at slightly different instants.
	secs = int64(math.Round(float64(secs)/60)) * 60
	name := fmt.Sprintf("%+03d:%02d", secs/3600, abs(secs%3600)/60)
	return time.FixedZone(strings.TrimSpace(name), int(secs)), nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
