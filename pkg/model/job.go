package model

import (
	"encoding/json"
	"fmt"
)

// Job is a DDL job as TiDB stores it in its history (meta key DDLJobHistory)
// and serves it at GET /ddl/history.
type Job struct {
	ID              int64           `json:"id"`
	Type            ActionType      `json:"type"`
	SchemaID        int64           `json:"schema_id"`
	TableID         int64           `json:"table_id"`
	SchemaName      string          `json:"schema_name"`
	TableName       string          `json:"table_name"`
	State           JobState        `json:"state"`
	Warning         json.RawMessage `json:"warning"`
	Error           json.RawMessage `json:"err"`
	ErrorCount      int64           `json:"err_count"`
	RowCount        int64           `json:"row_count"`
	RawArgs         json.RawMessage `json:"raw_args"`
	SchemaState     SchemaState     `json:"schema_state"`
	SnapshotVer     uint64          `json:"snapshot_ver"`
	RealStartTS     uint64          `json:"real_start_ts"`
	StartTS         uint64          `json:"start_ts"`
	DependencyID    int64           `json:"dependency_id"`
	Query           string          `json:"query"`
	BinlogInfo      *HistoryInfo    `json:"binlog"`
	Version         int64           `json:"version"`
	ReorgMeta       json.RawMessage `json:"reorg_meta"`
	MultiSchemaInfo json.RawMessage `json:"multi_schema_info"`
	Priority        int             `json:"priority"`
	SeqNum          uint64          `json:"seq_num"`

	// Extra holds members written by other TiDB versions.
	Extra Extra `json:"-"`
}

// HistoryInfo is the `binlog` member of a job: the schema version the job
// produced and the database or table info after it. Its JSON keys are the Go
// field names.
type HistoryInfo struct {
	SchemaVersion      int64
	DBInfo             *DBInfo
	TableInfo          *TableInfo
	FinishedTS         uint64
	MultipleTableInfos []*TableInfo

	Extra Extra `json:"-"`
}

type jobJSON Job

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (j *Job) UnmarshalJSON(data []byte) error {
	var v jobJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode job: %w", err)
	}
	*j = Job(v)
	j.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler with TiDB's member order.
func (j Job) MarshalJSON() ([]byte, error) { return encodeObject(jobJSON(j), j.Extra) }

type historyInfoJSON HistoryInfo

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (h *HistoryInfo) UnmarshalJSON(data []byte) error {
	var v historyInfoJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode history info: %w", err)
	}
	*h = HistoryInfo(v)
	h.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (h HistoryInfo) MarshalJSON() ([]byte, error) {
	return encodeObject(historyInfoJSON(h), h.Extra)
}

// IsSynced reports whether the job finished and every TiDB loaded its schema.
func (j *Job) IsSynced() bool { return j.State == JobStateSynced }

// IsDone reports whether the job finished (done or synced).
func (j *Job) IsDone() bool { return j.State == JobStateDone || j.State == JobStateSynced }

// IsCancelled reports whether the job was cancelled or rolled back.
func (j *Job) IsCancelled() bool {
	return j.State == JobStateCancelled || j.State == JobStateRollbackDone
}

// SchemaVersion returns the schema version recorded in the job's binlog info,
// 0 when there is none.
func (j *Job) SchemaVersion() int64 {
	if j.BinlogInfo == nil {
		return 0
	}
	return j.BinlogInfo.SchemaVersion
}

// FinishedTS returns the TSO at which the job finished, 0 when unknown.
func (j *Job) FinishedTS() uint64 {
	if j.BinlogInfo == nil {
		return 0
	}
	return j.BinlogInfo.FinishedTS
}

// DecodeArgs decodes the job's raw_args array into the given pointers, in
// order; missing trailing arguments leave their targets untouched.
func (j *Job) DecodeArgs(args ...any) error {
	if len(j.RawArgs) == 0 || string(j.RawArgs) == "null" {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(j.RawArgs, &raw); err != nil {
		return fmt.Errorf("model: decode job %d args: %w", j.ID, err)
	}
	for i, a := range args {
		if i >= len(raw) {
			break
		}
		if err := json.Unmarshal(raw[i], a); err != nil {
			return fmt.Errorf("model: decode job %d arg %d: %w", j.ID, i, err)
		}
	}
	return nil
}

// String returns a one-line description for logs.
func (j *Job) String() string {
	return fmt.Sprintf("ID:%d, Type:%s, State:%s, SchemaState:%s, SchemaID:%d, TableID:%d, SchemaVersion:%d, Query:%s",
		j.ID, j.Type, j.State, j.SchemaState, j.SchemaID, j.TableID, j.SchemaVersion(), j.Query)
}

// MarshalJobsIndent encodes jobs exactly as TiDB's status API does for
// GET /ddl/history: a JSON array indented with one space, no trailing newline.
func MarshalJobsIndent(jobs []*Job) ([]byte, error) {
	if jobs == nil {
		jobs = []*Job{}
	}
	return json.MarshalIndent(jobs, "", " ")
}
