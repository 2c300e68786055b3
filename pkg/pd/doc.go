// Package pd talks to PD (or pd-lite) through github.com/tikv/pd/client: it
// learns the cluster ID and obtains timestamps from the TSO.
//
// A timestamp (TSO) is physical_ms<<18 | logical: the upper 46 bits are Unix
// milliseconds, the lower 18 bits a counter within that millisecond. The
// helpers ComposeTS, ExtractPhysical, ExtractLogical, TSToTime and TimeToTS
// convert between the two forms; they are pkg/tso's under other names.
//
// Lifecycle: NewClient connects (bounded by a timeout, default 10 s, and by
// its context), TSO may be called concurrently (requests are batched by the
// PD client over one gRPC stream), Close releases the connection.
package pd
