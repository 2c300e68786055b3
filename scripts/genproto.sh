#!/usr/bin/env bash
# Regenerates the Go code of proto/ with protoc (Debian protobuf-compiler) and
# the protoc-gen-go / protoc-gen-go-grpc versions pinned as tools in go.mod.
# Usage: scripts/genproto.sh [OUTDIR]   (default: the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
cd "$root"
if ! command -v protoc >/dev/null; then
	echo "genproto: protoc not found; install Debian's protobuf-compiler (apt-get install protobuf-compiler)" >&2
	exit 1
fi
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
go build -o "$tools/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
go build -o "$tools/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc
export PATH="$tools:$PATH"
mod=github.com/openbinlog/tidb-binlog
for dir in proto/binlogpb proto/secondarypb proto/filepb; do
	protoc -I . --go_out="$out" --go_opt=module=$mod \
		--go-grpc_out="$out" --go-grpc_opt=module=$mod \
		"$dir"/*.proto
done
