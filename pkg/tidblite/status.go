package tidblite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/version"
)

// maxHistoryLimit is TiDB's DefNumGetDDLHistoryJobs.
const maxHistoryLimit = 2048

// statusHandler serves TiDB's status API subset.
func (s *Server) statusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.handleStatus)
	mux.HandleFunc("GET /info", s.handleInfo)
	mux.HandleFunc("GET /ddl/history", s.handleHistory)
	mux.HandleFunc("GET /mvcc/hex/{key}", s.handleMVCC)
	mux.HandleFunc("GET /schema", s.handleSchema)
	mux.HandleFunc("GET /schema/{db}", s.handleSchema)
	mux.HandleFunc("GET /schema/{db}/{table}", s.handleSchema)
	mux.HandleFunc("GET /fault/crash", s.handleCrashGet)
	mux.HandleFunc("POST /fault/crash", s.handleCrashSet)
	mux.HandleFunc("POST /binlog/recover", s.handleBinlogRecover)
	return mux
}

// writeData writes v as TiDB does: indented JSON (one space).
func writeData(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(err.Error()))
}

func (s *Server) serverVersion() string {
	return "5.7.25-TiDB-" + version.ReleaseVersion + "-tidb-lite"
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeData(w, map[string]any{
		"connections": s.conns.count(), "version": s.serverVersion(), "git_hash": version.GitHash,
	})
}

// serverInfo is the body of GET /info.
type serverInfo struct {
	IsOwner        bool              `json:"is_owner"`
	MaxProcs       int               `json:"max_procs"`
	Version        string            `json:"version"`
	GitHash        string            `json:"git_hash"`
	DDLID          string            `json:"ddl_id"`
	IP             string            `json:"ip"`
	ListeningPort  int               `json:"listening_port"`
	StatusPort     int               `json:"status_port"`
	Lease          string            `json:"lease"`
	BinlogStatus   string            `json:"binlog_status"`
	StartTimestamp int64             `json:"start_timestamp"`
	Labels         map[string]string `json:"labels"`
	SchemaVersion  int64             `json:"schema_version"`
	CrashNextTxn   string            `json:"crash_next_txn"`
}

func (s *Server) handleInfo(w http.ResponseWriter, _ *http.Request) {
	writeData(w, serverInfo{
		IsOwner: true, MaxProcs: runtime.GOMAXPROCS(0), Version: s.serverVersion(), GitHash: version.GitHash,
		DDLID: s.ddlID, IP: s.advertiseHost, ListeningPort: s.port, StatusPort: s.statusPort, Lease: "0s",
		BinlogStatus: s.binlogStatus(), StartTimestamp: s.started.Unix(), Labels: map[string]string{},
		SchemaVersion: s.schemaVersion(), CrashNextTxn: s.crashArmed(),
	})
}

// binlogStatus is TiDB's binlog status: On, Off or Skipping.
func (s *Server) binlogStatus() string {
	switch {
	case s.binlog == nil:
		return "Off"
	case s.skipBinlog.Load():
		return "Skipping"
	}
	return "On"
}

// handleHistory serves GET /ddl/history with TiDB 6.3+ semantics: without
// parameters every job by ascending ID; with start_job_id (and a limit) the
// jobs with an ID up to start_job_id, newest first; with only a limit the
// newest jobs.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	startID, limit, err := historyParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	jobs, err := s.meta.jobsAfter(r.Context(), 0)
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := selectHistory(jobs, startID, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := model.MarshalJobsIndent(out)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func historyParams(r *http.Request) (startID int64, limit int, err error) {
	if v := r.FormValue("start_job_id"); v != "" {
		if startID, err = strconv.ParseInt(v, 10, 64); err != nil || startID < 1 {
			return 0, 0, errors.New("ddl history start_job_id must be greater than 0")
		}
	}
	if v := r.FormValue("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxHistoryLimit {
			return 0, 0, fmt.Errorf("ddl history limit must be greater than 0 and less than or equal to %d", maxHistoryLimit)
		}
	}
	return startID, limit, nil
}

// selectHistory applies the parameters to jobs sorted by ascending ID.
func selectHistory(jobs []*model.Job, startID int64, limit int) ([]*model.Job, error) {
	if startID == 0 && limit == 0 {
		return jobs, nil
	}
	if startID != 0 && limit == 0 {
		return nil, errors.New("when 'start_job_id' is specified, it must work with a 'limit'")
	}
	out := make([]*model.Job, 0, limit)
	for i := len(jobs) - 1; i >= 0 && len(out) < limit; i-- {
		if startID == 0 || jobs[i].ID <= startID {
			out = append(out, jobs[i])
		}
	}
	return out, nil
}

func (s *Server) handleMVCC(w http.ResponseWriter, r *http.Request) {
	b, err := s.mvcc.mvccBody(r.PathValue("key"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *Server) handleSchema(w http.ResponseWriter, r *http.Request) {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	if v := r.FormValue("table_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if _, ti := s.cat.tableByID(id); err == nil && ti != nil {
			writeData(w, ti)
			return
		}
		writeError(w, fmt.Errorf("[schema:1146]Table which ID = %s does not exist", v))
		return
	}
	dbName, table := r.PathValue("db"), r.PathValue("table")
	if dbName == "" {
		writeData(w, s.cat.sortedDBs())
		return
	}
	db, ti := s.cat.table(dbName, table)
	switch {
	case db == nil:
		writeError(w, fmt.Errorf("[schema:1049]Unknown database '%s'", dbName))
	case table == "":
		tables := s.cat.tablesOf(db.ID)
		if tables == nil {
			tables = []*model.TableInfo{}
		}
		writeData(w, tables)
	case ti == nil:
		writeError(w, fmt.Errorf("[schema:1146]Table '%s.%s' doesn't exist", dbName, table))
	default:
		writeData(w, ti)
	}
}

func (s *Server) handleCrashGet(w http.ResponseWriter, _ *http.Request) {
	writeData(w, map[string]string{"mode": s.crashArmed()})
}

// handleCrashSet arms the crash switch: POST /fault/crash?mode=before-commit
// (the default) or after-commit; mode=none disarms it.
func (s *Server) handleCrashSet(w http.ResponseWriter, r *http.Request) {
	mode := r.FormValue("mode")
	switch mode {
	case "":
		mode = CrashBeforeCommit
	case "none":
		mode = CrashNone
	}
	if err := s.SetCrashNextTxn(mode); err != nil {
		writeError(w, err)
		return
	}
	writeData(w, map[string]string{"mode": mode})
}

// handleBinlogRecover turns binlog back on after ignore-error skipped it.
func (s *Server) handleBinlogRecover(w http.ResponseWriter, _ *http.Request) {
	s.skipBinlog.Store(false)
	writeData(w, map[string]string{"binlog_status": s.binlogStatus()})
}

// serveStatus runs the status server until it is closed.
func (s *Server) serveStatus() {
	if err := s.statusSrv.Serve(s.statusLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.lg.Error("status server stopped", zap.Error(err))
	}
}

func (s *Server) closeStatus(ctx context.Context) {
	_ = s.statusSrv.Shutdown(ctx)
}
