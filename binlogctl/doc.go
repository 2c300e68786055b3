// Package binlogctl implements the binlogctl tool: it lists the pump and
// drainer nodes registered in PD's etcd, overwrites a node's state, asks a
// node to pause or go offline through its HTTP API, writes a savepoint from a
// fresh TSO (generate_meta) and encrypts passwords for the configuration
// files (SPEC 6).
//
// Every command is a function taking an io.Writer for its result and the
// dependencies it needs (NodeStore, TSOSource, *http.Client), so that it can
// be tested without a process; Run wires them from a parsed Config and
// cmd/binlogctl only parses flags and exits.
//
// Results are printed on the writer as TiDB-style log lines, like the
// original (which logged them on stdout):
//
//	[2019/04/28 09:29:59.016 +00:00] [INFO] ["query node"] [type=pump] [node="{NodeID: x, Addr: h:p, State: online, MaxCommitTS: 408012403141509121, UpdateTime: 2019-04-28 09:29:57 +0000 UTC}"]
//
// except encrypt, which prints the single line `encrypted=<base64>`.
//
// Differences from the original, on purpose:
//   - generate_meta with -time-zone writes the two time lines as TOML
//     comments, so the savepoint stays valid TOML (FORMAT.md);
//   - pause/offline report the node's JSON answer and fail when the node
//     refuses (a non-200 "code"), where the original reported success for
//     any HTTP answer; https is used when -ssl-ca is set;
//   - -cmd drainers also warns about a non-offline drainer whose checkpoint
//     is behind the GC point reported by the pumps' /status (DESIGN 2.7);
//   - every step talking to PD or a node is bounded by a timeout (5 s), so an
//     unreachable PD gives an error instead of a hang.
//
// The savepoint file format is described in FORMAT.md.
package binlogctl
