// Package version holds the build facts stamped into every binary by the
// Makefile through the linker:
//
//	go build -ldflags "-X github.com/openbinlog/tidb-binlog/pkg/version.ReleaseVersion=v8.5.0 \
//	    -X github.com/openbinlog/tidb-binlog/pkg/version.GitHash=$(git rev-parse HEAD) \
//	    -X github.com/openbinlog/tidb-binlog/pkg/version.GitBranch=$(git rev-parse --abbrev-ref HEAD) \
//	    -X 'github.com/openbinlog/tidb-binlog/pkg/version.BuildTS=$(date -u '+%Y-%m-%d %H:%M:%S')'"
//
// Unstamped builds report "None". Info is what -V prints; LogInfo writes the
// same facts as one log line at start-up.
package version
