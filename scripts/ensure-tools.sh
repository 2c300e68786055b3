#!/usr/bin/env bash
# Installs what the checks need and Go cannot fetch: protoc (Debian's
# protobuf-compiler). Idempotent; needs root (or sudo) only when installing.
set -euo pipefail
if command -v protoc >/dev/null; then
	exit 0
fi
echo "ensure-tools: installing protobuf-compiler" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler >/dev/null
