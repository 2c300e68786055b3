#!/usr/bin/env bash
# Fails when the generated Go code under proto/ differs from what
# scripts/genproto.sh produces from the .proto sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/genproto.sh" "$tmp"
stale=0
while IFS= read -r -d '' f; do
	rel=${f#"$tmp"/}
	if ! cmp -s "$f" "$root/$rel"; then
		echo "check-proto: $rel is stale; run 'make proto'" >&2
		stale=1
	fi
done < <(find "$tmp" -name '*.go' -print0)
exit $stale
