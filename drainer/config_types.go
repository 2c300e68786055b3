package drainer

import (
	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/filter"
	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// SyncerConfig is the [syncer] section (SPEC 5.1).
type SyncerConfig struct {
	DestDBType         string             `toml:"db-type" json:"db-type"`
	TxnBatch           int                `toml:"txn-batch" json:"txn-batch"`
	WorkerCount        int                `toml:"worker-count" json:"worker-count"`
	SafeMode           bool               `toml:"safe-mode" json:"safe-mode"`
	StrSQLMode         *string            `toml:"sql-mode" json:"sql-mode"`
	IgnoreSchemas      string             `toml:"ignore-schemas" json:"ignore-schemas"`
	IgnoreTables       []filter.TableName `toml:"ignore-table" json:"ignore-table"`
	DoDBs              []string           `toml:"replicate-do-db" json:"replicate-do-db"`
	DoTables           []filter.TableName `toml:"replicate-do-table" json:"replicate-do-table"`
	IgnoreTxnCommitTS  []int64            `toml:"ignore-txn-commit-ts" json:"ignore-txn-commit-ts"`
	SyncDDL            bool               `toml:"sync-ddl" json:"sync-ddl"`
	LoopbackControl    bool               `toml:"loopback-control" json:"loopback-control"`
	ChannelID          int64              `toml:"channel-id" json:"channel-id"`
	LoadSchemaSnapshot bool               `toml:"load-schema-snapshot" json:"load-schema-snapshot"`
	CaseSensitive      bool               `toml:"case-sensitive" json:"case-sensitive"`

	TableMigrateRule []filter.MigrateRule         `toml:"table-migrate-rule" json:"table-migrate-rule"`
	BinlogFilterRule map[string]filter.IgnoreRule `toml:"binlog-filter-rule" json:"binlog-filter-rule"`

	// The file keys of the dispatch and causality switches; the flags are
	// kept apart so that EnableDispatch and EnableCausality can apply the
	// original's precedence (disable flag > disable key > enable flag >
	// enable key).
	EnableDispatchFile   *bool `toml:"enable-dispatch" json:"enable-dispatch,omitempty"`
	DisableDispatchFile  *bool `toml:"disable-dispatch" json:"disable-dispatch,omitempty"`
	EnableCausalityFile  *bool `toml:"enable-detect" json:"enable-detect,omitempty"`
	DisableCausalityFile *bool `toml:"disable-detect" json:"disable-detect,omitempty"`

	Relay RelayConfig `toml:"relay" json:"relay"`
	To    DBConfig    `toml:"to" json:"to"`

	flags switchFlags
}

// switchFlags hold the command-line values of the four switches; a nil
// pointer means the flag was not given.
type switchFlags struct {
	enableDispatch, disableDispatch   *bool
	enableCausality, disableCausality *bool
}

// EnableDispatch reports whether the loader splits transactions across
// workers (disable flag > disable key > enable flag > enable key > true).
func (c *SyncerConfig) EnableDispatch() bool {
	return resolveSwitch(c.flags.disableDispatch, c.DisableDispatchFile, c.flags.enableDispatch, c.EnableDispatchFile)
}

// EnableCausality reports whether the loader detects causality between
// rows, with the same precedence as EnableDispatch.
func (c *SyncerConfig) EnableCausality() bool {
	return resolveSwitch(c.flags.disableCausality, c.DisableCausalityFile, c.flags.enableCausality, c.EnableCausalityFile)
}

func resolveSwitch(disableFlag, disableFile, enableFlag, enableFile *bool) bool {
	switch {
	case disableFlag != nil && *disableFlag:
		return false
	case disableFile != nil && *disableFile:
		return false
	case enableFlag != nil:
		return *enableFlag
	case enableFile != nil:
		return *enableFile
	}
	return true
}

// IgnoreSchemaNames returns ignore-schemas as a list.
func (c *SyncerConfig) IgnoreSchemaNames() []string { return config.SplitList(c.IgnoreSchemas) }

// RelayConfig is [syncer.relay].
type RelayConfig struct {
	LogDir      string          `toml:"log-dir" json:"log-dir"`
	MaxFileSize config.ByteSize `toml:"max-file-size" json:"max-file-size"`
}

// IsEnabled reports whether the relay log is on.
func (r RelayConfig) IsEnabled() bool { return r.LogDir != "" }

// DBConfig is [syncer.to]: the destination of every sink type.
type DBConfig struct {
	// MySQL / TiDB.
	Host              string            `toml:"host" json:"host"`
	Port              int               `toml:"port" json:"port"`
	User              string            `toml:"user" json:"user"`
	Password          string            `toml:"password" json:"password"`
	EncryptedPassword string            `toml:"encrypted_password" json:"encrypted_password"`
	SyncMode          int               `toml:"sync-mode" json:"sync-mode"`
	Merge             bool              `toml:"merge" json:"merge"`
	Params            map[string]string `toml:"params" json:"params"`
	ReadTimeout       config.Duration   `toml:"read-timeout" json:"read-timeout"`
	Security          security.Config   `toml:"security" json:"security"`

	// File.
	BinlogFileDir           string `toml:"dir" json:"dir"`
	BinlogFileRetentionTime int    `toml:"retention-time" json:"retention-time"`

	// Kafka.
	ZKAddrs             string          `toml:"zookeeper-addrs" json:"zookeeper-addrs"`
	KafkaAddrs          string          `toml:"kafka-addrs" json:"kafka-addrs"`
	KafkaVersion        string          `toml:"kafka-version" json:"kafka-version"`
	KafkaMaxMessages    int             `toml:"kafka-max-messages" json:"kafka-max-messages"`
	KafkaMaxMessageSize config.ByteSize `toml:"kafka-max-message-size" json:"kafka-max-message-size"`
	KafkaClientID       string          `toml:"kafka-client-id" json:"kafka-client-id"`
	TopicName           string          `toml:"topic-name" json:"topic-name"`
	// PartitionBy ("", "table" or "key") and ExactlyOnce are ours: rows of a
	// table or of a key keep their order within a partition; exactly-once
	// produces each item in a Kafka transaction (see drainer/sink/kafka).
	PartitionBy string `toml:"partition-by" json:"partition-by"`
	ExactlyOnce bool   `toml:"exactly-once" json:"exactly-once"`

	// Oracle (accepted; the Oracle sink is not built).
	OracleServiceName   string `toml:"oracle-service-name" json:"oracle-service-name"`
	OracleConnectString string `toml:"oracle-connect-string" json:"oracle-connect-string"`

	Checkpoint CheckpointConfig `toml:"checkpoint" json:"checkpoint"`
}

// CheckpointConfig is [syncer.to.checkpoint].
type CheckpointConfig struct {
	Type              string          `toml:"type" json:"type"`
	Schema            string          `toml:"schema" json:"schema"`
	Table             string          `toml:"table" json:"table"`
	Host              string          `toml:"host" json:"host"`
	Port              int             `toml:"port" json:"port"`
	User              string          `toml:"user" json:"user"`
	Password          string          `toml:"password" json:"password"`
	EncryptedPassword string          `toml:"encrypted_password" json:"encrypted_password"`
	Security          security.Config `toml:"security" json:"security"`

	OracleServiceName   string `toml:"oracle-service-name" json:"oracle-service-name"`
	OracleConnectString string `toml:"oracle-connect-string" json:"oracle-connect-string"`
}
