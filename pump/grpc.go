package pump

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	// A drainer with compressor = "gzip" asks for gzip-compressed pull
	// streams; the server needs the codec registered to answer them.
	_ "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"
)

// slowWriteRPC: WriteBinlog calls slower than this are logged.
const slowWriteRPC = time.Second

// WriteBinlog implements binlogpb.PumpServer.
func (s *Server) WriteBinlog(ctx context.Context, req *binlogpb.WriteBinlogReq) (*binlogpb.WriteBinlogResp, error) {
	s.writeCount.Add(1)
	return s.writeBinlog(ctx, req, false)
}

// writeBinlog checks and stores one binlog. On failure it returns both a
// response carrying the error text and a gRPC error, as the original does.
func (s *Server) writeBinlog(ctx context.Context, req *binlogpb.WriteBinlogReq, fake bool) (resp *binlogpb.WriteBinlogResp, err error) {
	begin := time.Now()
	s.lastWrite.Store(begin.UnixNano())
	defer func() { s.observeWrite(begin, len(req.GetPayload()), fake, err) }()

	if req.GetClusterID() != s.clusterID {
		err = fmt.Errorf("%w, %d vs %d", ErrClusterIDMismatch, req.GetClusterID(), s.clusterID)
		return nil, grpcError(err)
	}
	resp = &binlogpb.WriteBinlogResp{}
	if err = s.storeBinlog(ctx, req.GetPayload(), fake); err != nil {
		s.metrics.lossBinlog.Inc()
		resp.Errmsg = err.Error()
		return resp, grpcError(err)
	}
	return resp, nil
}

// storeBinlog decodes only the type and timestamps of the payload (the
// storage keeps the payload as received) and stores it.
func (s *Server) storeBinlog(ctx context.Context, payload []byte, fake bool) error {
	h, err := binlogpb.PeekHeader(payload)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidBinlog, err)
	}
	if h.IsProbe() {
		return nil
	}
	if !fake && h.Tp == binlogpb.BinlogType_Prewrite {
		if state := s.node.State(); state != registry.Online {
			return &NotOnlineError{State: state}
		}
	}
	return s.store.WriteBinlog(ctx, h, payload)
}

// observeWrite records a write's metrics and logs its failure; the
// failures of fake binlogs are logged by the fake-binlog loop.
func (s *Server) observeWrite(begin time.Time, size int, fake bool, err error) {
	label := "succ"
	var notOnline *NotOnlineError
	switch {
	case err == nil && !fake:
		s.writeFailures.OK()
	case err == nil:
	case errors.As(err, &notOnline):
		label = "fail"
		s.lg.Warn("reject write binlog for not online state", zap.String("state", notOnline.State))
	case !fake:
		label = "fail"
		s.writeFailures.Fail(err)
	default:
		label = "fail"
	}
	took := time.Since(begin)
	s.metrics.rpcDuration.WithLabelValues("WriteBinlog", label).Observe(took.Seconds())
	if took >= slowWriteRPC {
		s.lg.Warn("slow write binlog RPC", zap.Int("payloadSize", size), zap.Duration("took", took), zap.String("label", label))
	}
}

// PullBinlogs implements binlogpb.PumpServer: it streams the binlogs with
// commit ts > startFrom.offset in commit-ts order until the client cancels
// or the pump closes.
func (s *Server) PullBinlogs(req *binlogpb.PullBinlogReq, stream grpc.ServerStreamingServer[binlogpb.PullBinlogResp]) (err error) {
	begin := time.Now()
	s.pullerCount.Add(1)
	defer func() {
		s.pullerCount.Add(-1)
		label := "succ"
		if err != nil {
			label = "fail"
		}
		s.metrics.rpcDuration.WithLabelValues("PullBinlogs", label).Observe(time.Since(begin).Seconds())
	}()
	if req.GetClusterID() != s.clusterID {
		return grpcError(fmt.Errorf("%w, %d vs %d", ErrClusterIDMismatch, req.GetClusterID(), s.clusterID))
	}
	last := req.GetStartFrom().GetOffset() // below the GC ts: the storage logs it
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		select {
		case <-s.pullClose:
			cancel()
		case <-ctx.Done():
		}
	}()
	// The binlogs are sent from this goroutine, as the storage reads them:
	// no channel and no goroutine switch per binlog.
	var sendErr error
	err = s.store.PullCommitBinlogFunc(ctx, last, func(b storage.PulledBinlog) error {
		if b.Parts != nil { // a merged commit binlog, encoded from its pieces (serverCodec)
			sendErr = stream.SendMsg(&pullParts{resp: pullResp(b.StartTS, b.CommitTS, nil), parts: b.Parts})
		} else {
			sendErr = stream.Send(pullResp(b.StartTS, b.CommitTS, b.Payload))
		}
		if sendErr != nil {
			s.lg.Warn("send binlog to drainer failed", zap.Error(sendErr))
		}
		return sendErr
	})
	switch {
	case sendErr != nil:
		return sendErr
	case err != nil:
		return pullError(err)
	}
	return nil
}

// pullError is the status that ends a pull stream: DataLoss for a binlog
// whose bytes are damaged (its message names the commit ts, the file and
// the offset), Unavailable for a read error that may pass, so that the
// drainer pulls again from the last binlog it received.
func pullError(err error) error {
	code := grpcCode(err)
	if code != codes.DataLoss {
		code = codes.Unavailable
	}
	return status.Error(code, err.Error())
}

// pullMsg holds the messages of one PullBinlogResp, allocated together.
type pullMsg struct {
	resp binlogpb.PullBinlogResp
	ent  binlogpb.Entity
	pos  binlogpb.Pos
	meta binlogpb.Meta
}

func pullResp(startTS, commitTS int64, payload []byte) *binlogpb.PullBinlogResp {
	m := &pullMsg{}
	m.pos.Offset = commitTS
	m.meta.StartTs, m.meta.CommitTs = startTS, commitTS
	m.ent.Pos, m.ent.Payload, m.ent.Meta = &m.pos, payload, &m.meta
	m.resp.Entity = &m.ent
	return &m.resp
}
