package pdlite

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/pingcap/kvproto/pkg/pdpb"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// serviceState is what the PD service needs once etcd is ready.
type serviceState struct {
	clusterID uint64
	member    *pdpb.Member
	alloc     *allocator
}

// pdService implements the parts of pdpb.PD that the PD client uses
// (GetMembers, GetClusterInfo, Tso); every other RPC is Unimplemented.
type pdService struct {
	pdpb.UnimplementedPDServer
	state atomic.Pointer[serviceState]
	lg    *zap.Logger
}

var _ pdpb.PDServer = (*pdService)(nil)

var errNotReady = status.Error(codes.Unavailable, "pd-lite is starting")

func (s *pdService) ready() (*serviceState, error) {
	st := s.state.Load()
	if st == nil {
		return nil, errNotReady
	}
	return st, nil
}

func header(clusterID uint64) *pdpb.ResponseHeader {
	return &pdpb.ResponseHeader{ClusterId: clusterID}
}

// GetMembers reports this single member as the leader.
func (s *pdService) GetMembers(context.Context, *pdpb.GetMembersRequest) (*pdpb.GetMembersResponse, error) {
	st, err := s.ready()
	if err != nil {
		return nil, err
	}
	return &pdpb.GetMembersResponse{
		Header:     header(st.clusterID),
		Members:    []*pdpb.Member{st.member},
		Leader:     st.member,
		EtcdLeader: st.member,
	}, nil
}

// GetClusterInfo reports the classic (non-microservice) PD mode.
func (s *pdService) GetClusterInfo(context.Context, *pdpb.GetClusterInfoRequest) (*pdpb.GetClusterInfoResponse, error) {
	st, err := s.ready()
	if err != nil {
		return nil, err
	}
	return &pdpb.GetClusterInfoResponse{
		Header:       header(st.clusterID),
		ServiceModes: []pdpb.ServiceMode{pdpb.ServiceMode_PD_SVC_MODE},
	}, nil
}

// Tso serves the timestamp stream: each request for count timestamps gets
// the physical time and the largest logical value of its range.
func (s *pdService) Tso(stream pdpb.PD_TsoServer) error {
	st, err := s.ready()
	if err != nil {
		return err
	}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, err := s.tsoResponse(stream.Context(), st, req)
		if err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

func (s *pdService) tsoResponse(ctx context.Context, st *serviceState, req *pdpb.TsoRequest) (*pdpb.TsoResponse, error) {
	if id := req.GetHeader().GetClusterId(); id != 0 && id != st.clusterID {
		return nil, status.Errorf(codes.FailedPrecondition, "mismatch cluster id, need %d but got %d", st.clusterID, id)
	}
	physical, logical, err := st.alloc.next(ctx, req.GetCount())
	if errors.Is(err, ErrBadTSOCount) {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err != nil {
		s.lg.Warn("allocate timestamps failed", zap.Error(err))
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return &pdpb.TsoResponse{
		Header:    header(st.clusterID),
		Count:     req.GetCount(),
		Timestamp: &pdpb.Timestamp{Physical: physical, Logical: logical},
	}, nil
}
