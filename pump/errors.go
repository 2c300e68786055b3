package pump

import (
	"context"
	"errors"

	"github.com/openbinlog/tidb-binlog/pump/storage"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors of the pump server.
var (
	// ErrClusterIDMismatch rejects a request for another cluster. Pump
	// clients probe pumps with a wrong cluster ID and look for the words
	// "cluster ID are mismatch" in the answer, so the text is kept.
	ErrClusterIDMismatch = errors.New("pump: cluster ID are mismatch")
	// ErrInvalidBinlog rejects a WriteBinlog payload that is not a Binlog.
	ErrInvalidBinlog = errors.New("pump: invalid binlog payload")
	// ErrServerClosed is returned once the server is shutting down.
	ErrServerClosed = errors.New("pump: server is closed")
	// ErrNotifyDrainer is returned by Start when an online drainer could not
	// be notified of this new pump.
	ErrNotifyDrainer = errors.New("pump: notify drainer")
)

// NotOnlineError rejects a prewrite binlog while the pump is not online.
// Its text starts with "no online: <state>" like the original's.
type NotOnlineError struct{ State string }

func (e *NotOnlineError) Error() string { return "no online: " + e.State }

// grpcCode is the one table that maps pump and storage errors to gRPC codes.
func grpcCode(err error) codes.Code {
	var (
		notOnline *NotOnlineError
		dataLoss  *storage.DataLossError
	)
	switch {
	case err == nil:
		return codes.OK
	case errors.As(err, &dataLoss):
		return codes.DataLoss
	case errors.Is(err, ErrClusterIDMismatch):
		return codes.FailedPrecondition
	case errors.Is(err, ErrInvalidBinlog):
		return codes.InvalidArgument
	case errors.As(err, &notOnline):
		return codes.Unavailable
	case errors.Is(err, storage.ErrNoAvailableSpace):
		return codes.ResourceExhausted
	case errors.Is(err, storage.ErrClosed), errors.Is(err, ErrServerClosed):
		return codes.Unavailable
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	return codes.Internal
}

// grpcError converts err into a gRPC status error whose message is err's text.
func grpcError(err error) error {
	if err == nil {
		return nil
	}
	return status.Error(grpcCode(err), err.Error())
}
