package pump

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/pprof"
	"strconv"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// Codes of an action response (the "code" field).
const (
	codeOK    = 200
	codeError = 3
)

// StatusResponse is the body of GET /status.
type StatusResponse struct {
	Status     map[string]*registry.Status `json:"status"`
	CommitTS   int64                       `json:"CommitTS"`
	Checkpoint Pos                         `json:"Checkpoint"`
	ErrMsg     string                      `json:"ErrMsg"`
	// DrainersBehindGC lists the non-offline drainers found behind this
	// pump's GC point by the last check (binlogs they need were purged).
	DrainersBehindGC []DrainerLag `json:"DrainersBehindGC,omitempty"`
}

// Pos is the JSON form of a binlog position (unused by the current pump).
type Pos struct {
	Suffix uint64 `json:"suffix,omitempty"`
	Offset int64  `json:"offset,omitempty"`
}

// ActionResponse is the body of PUT /state/{nodeID}/{action}.
type ActionResponse struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
	Data    any    `json:"data"`
}

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.handleStatus)
	mux.HandleFunc("GET /drainers", s.handleDrainers)
	mux.HandleFunc("PUT /state/{nodeID}/{action}", s.handleAction)
	mux.HandleFunc("GET /debug/binlog/{ts}", s.handleBinlogByTS)
	mux.HandleFunc("POST /debug/gc/trigger", s.handleTriggerGC)
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

// handleStatus lists every pump in etcd with a fresh TSO.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	resp := StatusResponse{DrainersBehindGC: s.laggingDrainers()}
	pumps, _, err := s.reg.Nodes(r.Context(), registry.KindPump)
	if err != nil {
		s.lg.Error("list pumps failed", zap.Error(err))
		resp.ErrMsg = err.Error()
		writeJSON(w, resp)
		return
	}
	resp.Status = make(map[string]*registry.Status, len(pumps))
	for _, p := range pumps {
		resp.Status[p.NodeID] = p
	}
	if resp.CommitTS, err = s.tso(r.Context()); err != nil {
		resp.ErrMsg = err.Error()
	}
	writeJSON(w, resp)
}

// handleDrainers lists the drainers in etcd.
func (s *Server) handleDrainers(w http.ResponseWriter, r *http.Request) {
	drainers, _, err := s.reg.Nodes(r.Context(), registry.KindDrainer)
	if err != nil {
		http.Error(w, fmt.Sprintf("list drainers: %v", err), http.StatusInternalServerError)
		return
	}
	if drainers == nil {
		drainers = []*registry.Status{}
	}
	writeJSON(w, drainers)
}

// handleAction applies pause or close to this online pump and starts closing it.
func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	nodeID, action := r.PathValue("nodeID"), r.PathValue("action")
	s.lg.Info("receive action", zap.String("target", nodeID), zap.String("action", action))
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.lg.Warn("reject action", zap.String("reason", msg))
		writeJSON(w, ActionResponse{Message: msg, Code: codeError})
	}
	if nodeID != s.node.ID() {
		fail("invalid nodeID %s, this pump's nodeID is %s", nodeID, s.node.ID())
		return
	}
	if !s.online.Load() {
		fail("this pump is still starting, apply %s failed!", action)
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
		fail("this pump's state is %s, apply %s failed!", state, action)
		return
	}
	s.lg.Info("pump state changed", zap.String("state", target))
	// Record the transitional state so that the registry shows it while the
	// pump closes (the heartbeat stops once closing starts).
	if err := s.life.register(r.Context(), target, s.life.updateTS(r.Context())); err != nil {
		s.lg.Warn("record transitional state failed", zap.Error(err))
	}
	go func() { _ = s.Close() }()
	writeJSON(w, ActionResponse{Message: fmt.Sprintf("apply action %s success!", action), Code: codeOK})
}

// maxDebugBinlog is the largest payload /debug/binlog/{ts} prints as text:
// the text of a binlog is about four times its size, and a 200 MiB binlog
// took the pump to 3.4 GB. A larger one is summarized.
const maxDebugBinlog = 16 << 20

// handleBinlogByTS dumps the binlog stored at key ts as text, with its
// decoded prewrite value; a binlog over maxDebugBinlog is summarized.
func (s *Server) handleBinlogByTS(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("ts")
	ts, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		http.Error(w, fmt.Sprintf("invalid parameter ts: %s", raw), http.StatusBadRequest)
		return
	}
	payload, err := s.store.ReadPayload(ts)
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, storage.ErrNotFound) {
			code = http.StatusNotFound
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(payload) > maxDebugBinlog {
		writeBinlogSummary(w, payload)
		return
	}
	b := new(binlogpb.Binlog)
	if err := proto.Unmarshal(payload, b); err != nil {
		http.Error(w, fmt.Sprintf("unmarshal binlog: %v", err), http.StatusInternalServerError)
		return
	}
	opts := prototext.MarshalOptions{Multiline: true}
	fmt.Fprint(w, opts.Format(b))
	if len(b.GetPrewriteValue()) > 0 {
		pv := new(binlogpb.PrewriteValue)
		if err := proto.Unmarshal(b.GetPrewriteValue(), pv); err != nil {
			fmt.Fprintf(w, "\n\nPrewriteValue: undecodable: %v\n", err)
			return
		}
		fmt.Fprintf(w, "\n\nPrewriteValue:\n%s", opts.Format(pv))
	}
}

// writeBinlogSummary prints the type and timestamps of a binlog too large
// to print.
func writeBinlogSummary(w http.ResponseWriter, payload []byte) {
	h, err := binlogpb.PeekHeader(payload)
	if err != nil {
		http.Error(w, fmt.Sprintf("unmarshal binlog: %v", err), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "tp: %s\nstart_ts: %d\ncommit_ts: %d\n\n", h.Tp, h.StartTs, h.CommitTs)
	fmt.Fprintf(w, "binlog of %d bytes not printed: this page prints binlogs up to %d bytes\n",
		len(payload), maxDebugBinlog)
}

// handleTriggerGC starts a GC round unless one is running.
func (s *Server) handleTriggerGC(w http.ResponseWriter, r *http.Request) {
	select {
	case s.triggerGC <- struct{}{}:
		s.lg.Info("gc triggered")
		fmt.Fprintln(w, "trigger gc success")
	default:
		fmt.Fprintln(w, "gc is working")
	}
}
