package tidblite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// ErrNoRegistry is returned by the pump/drainer statements without PD.
var ErrNoRegistry = errors.New("tidblite: no PD configured (-path)")

// nodeRegistry is what the TiDB-only statements need of the registry.
type nodeRegistry interface {
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
	UpdateNode(ctx context.Context, kind string, st *registry.Status) error
}

var _ nodeRegistry = (*registry.Registry)(nil)

// custom answers SHOW PUMP|DRAINER STATUS, CHANGE PUMP|DRAINER and SHOW
// MASTER STATUS as TiDB does.
func (s *Server) custom(ctx context.Context, st classified, cb resultFn) error {
	switch st.custom {
	case customShowPump:
		return s.showNodes(ctx, registry.KindPump, cb)
	case customShowDrainer:
		return s.showNodes(ctx, registry.KindDrainer, cb)
	case customChangePump:
		return s.changeNode(ctx, registry.KindPump, st.state, st.nodeID, cb)
	case customChangeDrainer:
		return s.changeNode(ctx, registry.KindDrainer, st.state, st.nodeID, cb)
	default:
		return s.showMaster(ctx, cb)
	}
}

func textField(name string) *querypb.Field {
	return &querypb.Field{Name: name, Type: sqltypes.VarChar, Charset: 33, ColumnLength: 256}
}

func intField(name string) *querypb.Field {
	return &querypb.Field{Name: name, Type: sqltypes.Int64, Charset: 63, ColumnLength: 20}
}

// showNodes lists the pumps or drainers that are not offline.
func (s *Server) showNodes(ctx context.Context, kind string, cb resultFn) error {
	if s.reg == nil {
		return ErrNoRegistry
	}
	nodes, _, err := s.reg.Nodes(ctx, kind)
	if err != nil {
		return fmt.Errorf("list %s: %w", kind, err)
	}
	r := &sqltypes.Result{Fields: []*querypb.Field{
		textField("NodeID"), textField("Address"), textField("State"), intField("Max_Commit_Ts"), textField("Update_Time"),
	}}
	for _, n := range nodes {
		if n.State == registry.Offline {
			continue
		}
		r.Rows = append(r.Rows, []sqltypes.Value{
			sqltypes.NewVarChar(n.NodeID), sqltypes.NewVarChar(n.Addr), sqltypes.NewVarChar(n.State),
			sqltypes.NewInt64(n.MaxCommitTS), sqltypes.NewVarChar(pd.TSToTime(n.UpdateTS).Format(time.DateTime)),
		})
	}
	return cb(r, false)
}

// changeNode sets a node's state in the registry.
func (s *Server) changeNode(ctx context.Context, kind, state, nodeID string, cb resultFn) error {
	if s.reg == nil {
		return ErrNoRegistry
	}
	nodes, _, err := s.reg.Nodes(ctx, kind)
	if err != nil {
		return fmt.Errorf("list %s: %w", kind, err)
	}
	for _, n := range nodes {
		if n.NodeID != nodeID {
			continue
		}
		if !registry.ValidState(state) {
			return fmt.Errorf("state %s is illegal", state)
		}
		n.State = state
		if err := s.reg.UpdateNode(ctx, kind, n); err != nil {
			return fmt.Errorf("update %s %s: %w", strings.TrimSuffix(kind, "s"), nodeID, err)
		}
		return cb(okResult(), false)
	}
	return fmt.Errorf("node %s, id %s from etcd %s not found", strings.TrimSuffix(kind, "s"), nodeID,
		strings.Join(s.cfg.PDURLs, ","))
}

// showMaster returns File=tidb-binlog and Position=a fresh TSO.
func (s *Server) showMaster(ctx context.Context, cb resultFn) error {
	ts, err := s.tso.TSO(ctx)
	if err != nil {
		return fmt.Errorf("get tso: %w", err)
	}
	r := &sqltypes.Result{
		Fields: []*querypb.Field{textField("File"), intField("Position"), textField("Binlog_Do_DB"),
			textField("Binlog_Ignore_DB"), textField("Executed_Gtid_Set")},
		Rows: [][]sqltypes.Value{{sqltypes.NewVarChar("tidb-binlog"), sqltypes.NewInt64(ts),
			sqltypes.NewVarChar(""), sqltypes.NewVarChar(""), sqltypes.NewVarChar("")}},
	}
	return cb(r, false)
}
