package drainer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Codes of an action response (the "code" field).
const (
	codeOK    = 200
	codeError = 3
)

// StatusResponse is the body of GET /status.
type StatusResponse struct {
	PumpPos map[string]int64 `json:"PumpPos"`
	Synced  bool             `json:"Synced"`
	LastTS  int64            `json:"LastTS"`
	TsMap   string           `json:"TsMap"`
}

// ActionResponse is the body of GET /commit_ts and PUT /state/{nodeID}/{action}.
type ActionResponse struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
	Data    any    `json:"data"`
}

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.handleStatus)
	mux.HandleFunc("GET /commit_ts", s.handleCommitTS)
	mux.HandleFunc("PUT /state/{nodeID}/{action}", s.handleAction)
	mux.Handle("/metrics", promhttp.HandlerFor(s.promReg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// handleStatus reports the pump positions, whether the drainer is synced
// (no sink activity for synced-check-time) and the checkpoint.
func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	idle := time.Since(s.syncer.LastActivity())
	writeJSON(w, StatusResponse{
		PumpPos: s.collector.PumpPositions(),
		Synced:  idle >= time.Duration(s.cfg.SyncedCheckTime)*time.Minute,
		LastTS:  s.syncer.CheckpointTS(),
	})
}

func (s *Server) handleCommitTS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, ActionResponse{
		Message: "get drainer's latest ts success!", Code: codeOK,
		Data: map[string]int64{"ts": s.syncer.CheckpointTS()},
	})
}

// handleAction pauses or closes (offline) this online drainer: the
// transitional state is written first, then the drainer stops and records
// paused or offline.
func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	nodeID, action := r.PathValue("nodeID"), r.PathValue("action")
	s.lg.Info("receive action", zap.String("target", nodeID), zap.String("action", action))
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.lg.Warn("reject action", zap.String("reason", msg))
		writeJSON(w, ActionResponse{Message: msg, Code: codeError})
	}
	if nodeID != s.node.ID() {
		fail("invalid nodeID %s, this drainer's nodeID is %s", nodeID, s.node.ID())
		return
	}
	var target string
	switch action {
	case "pause":
		target = registry.Pausing
	case "close":
		target = registry.Closing
	default:
		fail("invalid action %s", action)
		return
	}
	if state, ok := s.node.Transition(registry.Online, target); !ok {
		fail("this drainer's state is %s, apply %s failed!", state, action)
		return
	}
	s.lg.Info("drainer state changed", zap.String("state", target))
	if err := s.registerNode(r.Context(), target); err != nil {
		s.lg.Warn("record transitional state failed", zap.Error(err))
	}
	go func() { _ = s.Close() }()
	writeJSON(w, ActionResponse{Message: fmt.Sprintf("apply action %s success!", action), Code: codeOK})
}

// Notify implements Cistern: the pump list is refreshed before it returns.
func (s *Server) Notify(ctx context.Context, _ *binlogpb.NotifyReq) (*binlogpb.NotifyResp, error) {
	if err := s.collector.Notify(ctx); err != nil {
		s.lg.Warn("refresh pumps on notify failed", zap.Error(err))
		return nil, err
	}
	s.lg.Info("refreshed pumps on notify")
	return &binlogpb.NotifyResp{}, nil
}

// DumpBinlog implements Cistern as the original does: a no-op.
func (s *Server) DumpBinlog(*binlogpb.DumpBinlogReq, binlogpb.Cistern_DumpBinlogServer) error {
	return nil
}

// DumpDDLJobs implements Cistern as the original does: a no-op.
func (s *Server) DumpDDLJobs(context.Context, *binlogpb.DumpDDLJobsReq) (*binlogpb.DumpDDLJobsResp, error) {
	return &binlogpb.DumpDDLJobsResp{}, nil
}
