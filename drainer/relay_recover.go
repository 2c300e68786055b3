package drainer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/drainer/checkpoint"
	"github.com/openbinlog/tidb-binlog/drainer/relay"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"go.uber.org/zap"
)

// ErrUpstreamLost is returned after the relay log was applied because PD
// could not be reached: the drainer exits, the downstream is consistent.
var ErrUpstreamLost = errors.New("drainer: PD unreachable; the relay log was applied and the drainer exits")

// RecoverFromRelay makes the downstream consistent from the relay log when
// the upstream is gone (SPEC 5.8): unless the checkpoint is already
// consistent, every relayed binlog above it is applied in safe mode, then
// the checkpoint is saved as consistent at the last one. It always returns
// an error wrapping ErrUpstreamLost (or the failure).
func RecoverFromRelay(ctx context.Context, cfg *Config, lg *zap.Logger) error {
	if lg == nil {
		lg = zap.NewNop()
	}
	cpc := cfg.Syncer.To.Checkpoint
	to := cfg.Syncer.To
	open := func(host string, port int, user, password string) (*sql.DB, error) {
		tlsCfg, err := to.Security.ToTLSConfig()
		if err != nil {
			return nil, err
		}
		return loader.OpenDB(loader.DBConfig{Host: host, Port: port, User: user, Password: password, TLS: tlsCfg,
			Params: to.Params, ReadTimeout: to.ReadTimeout.Duration, SQLMode: cfg.Syncer.StrSQLMode})
	}
	cpDB, err := open(cpc.Host, cpc.Port, cpc.User, cpc.Password)
	if err != nil {
		return fmt.Errorf("relay recovery: open checkpoint database: %w", err)
	}
	defer cpDB.Close()
	cp, err := checkpoint.NewMySQL(cpDB, checkpoint.MySQLConfig{Schema: cpc.Schema, Table: cpc.Table, Logger: lg})
	if err != nil {
		return fmt.Errorf("relay recovery: load checkpoint: %w", err)
	}
	defer cp.Close()
	if cp.IsConsistent() {
		lg.Info("checkpoint is consistent; nothing to recover from the relay log", zap.Int64("commitTS", cp.TS()))
		return ErrUpstreamLost
	}
	db, err := open(to.Host, to.Port, to.User, to.Password)
	if err != nil {
		return fmt.Errorf("relay recovery: open downstream: %w", err)
	}
	defer db.Close()
	last, err := applyRelay(ctx, cfg, db, cp.TS(), lg)
	if err != nil {
		return fmt.Errorf("relay recovery: %w", err)
	}
	if err := cp.Save(last, 0, true, cp.SchemaVersion()); err != nil {
		return fmt.Errorf("relay recovery: save checkpoint: %w", err)
	}
	lg.Info("relay log applied; the downstream is consistent", zap.Int64("commitTS", last))
	return ErrUpstreamLost
}

// applyRelay replays the relay log above from through a loader in safe
// mode and returns the last commit ts applied.
func applyRelay(ctx context.Context, cfg *Config, db *sql.DB, from int64, lg *zap.Logger) (int64, error) {
	opts := loader.DefaultOptions()
	opts.SafeMode = true
	opts.EnableDispatch = false
	opts.WorkerCount = 1
	opts.DestType = cfg.Syncer.DestDBType
	opts.Logger = lg
	ld, err := loader.New(db, opts)
	if err != nil {
		return 0, err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- ld.Run(ctx) }()
	go func() {
		for range ld.Successes() { //nolint:revive // drained; Run's result is what counts
		}
	}()
	last, err := relay.Replay(ctx, cfg.Syncer.Relay.LogDir, from, lg, func(b *secondarypb.Binlog) error {
		select {
		case ld.Input() <- secondaryToTxn(b):
			return nil
		case err := <-runErr:
			runErr <- err
			return fmt.Errorf("apply relayed binlog %d: %w", b.GetCommitTs(), err)
		}
	})
	close(ld.Input())
	if rerr := <-runErr; err == nil && rerr != nil {
		err = rerr
	}
	return last, err
}

// secondaryToTxn turns a relayed binlog back into a loader transaction.
func secondaryToTxn(b *secondarypb.Binlog) *loader.Txn {
	if b.GetType() == secondarypb.BinlogType_DDL {
		d := b.GetDdlData()
		return &loader.Txn{DDL: &loader.DDL{Database: d.GetSchemaName(), Table: d.GetTableName(), SQL: string(d.GetDdlQuery())}}
	}
	txn := &loader.Txn{}
	for _, t := range b.GetDmlData().GetTables() {
		names := make([]string, len(t.GetColumnInfo()))
		for i, ci := range t.GetColumnInfo() {
			names[i] = ci.GetName()
		}
		for _, m := range t.GetMutations() {
			dml := &loader.DML{Database: t.GetSchemaName(), Table: t.GetTableName(), Values: rowValues(names, m.GetRow())}
			switch m.GetType() {
			case secondarypb.MutationType_Insert:
				dml.Tp = loader.InsertDMLType
			case secondarypb.MutationType_Update:
				dml.Tp = loader.UpdateDMLType
				dml.OldValues = rowValues(names, m.GetChangeRow())
			case secondarypb.MutationType_Delete:
				dml.Tp = loader.DeleteDMLType
			}
			txn.DMLs = append(txn.DMLs, dml)
		}
	}
	return txn
}

func rowValues(names []string, row *secondarypb.Row) map[string]any {
	vals := make(map[string]any, len(names))
	for i, c := range row.GetColumns() {
		if i >= len(names) {
			break
		}
		vals[names[i]] = columnValue(c)
	}
	return vals
}

func columnValue(c *secondarypb.Column) any {
	switch {
	case c.GetIsNull():
		return nil
	case c.Int64Value != nil:
		return c.GetInt64Value()
	case c.Uint64Value != nil:
		return c.GetUint64Value()
	case c.DoubleValue != nil:
		return c.GetDoubleValue()
	case c.BytesValue != nil:
		return c.GetBytesValue()
	case c.StringValue != nil:
		return c.GetStringValue()
	}
	return nil
}
