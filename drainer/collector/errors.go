package collector

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors.
var (
	// ErrClosed is returned by Notify once Run has returned.
	ErrClosed = errors.New("collector: closed")
	// ErrRunning is returned by a second call of Run.
	ErrRunning = errors.New("collector: already running")
	// errSourceRemoved ends a puller whose pump was removed from the merge.
	errSourceRemoved = errors.New("collector: source removed")
)

// DataLossError: a pump ended its stream with codes.DataLoss, it cannot serve
// the binlog at CommitTS (CommitTS is 0 when the pump did not say which).
type DataLossError struct {
	NodeID   string
	CommitTS int64
	Err      error
}

func (e *DataLossError) Error() string {
	return fmt.Sprintf("collector: pump %s lost the binlog at commit ts %d (list it in ignore-txn-commit-ts to skip it): %v",
		e.NodeID, e.CommitTS, e.Err)
}

func (e *DataLossError) Unwrap() error { return e.Err }

// UnmarshalError: a pump sent a payload that is not a Binlog.
type UnmarshalError struct {
	NodeID string
	Offset int64 // the entity's position (its commit ts)
	Err    error
}

func (e *UnmarshalError) Error() string {
	return fmt.Sprintf("collector: undecodable binlog from pump %s at offset %d: %v", e.NodeID, e.Offset, e.Err)
}

func (e *UnmarshalError) Unwrap() error { return e.Err }

// commitTSPattern finds the ts in a DataLoss status message.
var commitTSPattern = regexp.MustCompile(`commit ts (\d+)`)

// DataLossCommitTSKey is the ErrorInfo metadata key a pump may set on a
// DataLoss status to name the commit ts (the message text is the fallback).
const DataLossCommitTSKey = "commitTS"

// dataLoss reports whether err is a DataLoss status, and the commit ts it
// names (0 when none).
func dataLoss(err error) (int64, bool) {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.DataLoss {
		return 0, false
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if ts, err := strconv.ParseInt(info.GetMetadata()[DataLossCommitTSKey], 10, 64); err == nil {
				return ts, true
			}
		}
	}
	if m := commitTSPattern.FindStringSubmatch(st.Message()); m != nil {
		if ts, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			return ts, true
		}
	}
	return 0, true
}
