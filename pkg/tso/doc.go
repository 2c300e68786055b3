// Package tso is the arithmetic of TiDB timestamps (TSO): a timestamp is
// physical_ms<<18 | logical, the upper 46 bits Unix milliseconds and the
// lower 18 a logical counter. It has no dependencies, so that the storage
// engine can use it without the PD client (pkg/pd asks PD for timestamps).
package tso
