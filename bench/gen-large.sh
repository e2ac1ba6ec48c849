#!/usr/bin/env bash
# Writes the benchmark's large inputs into bench/.work/ (not committed: tens of MB) by running
# bench/large/main.go with Debian's Go 1.24 (see samples/toolchain.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../samples"
[ -f "$samples/.work/TOOLCHAINS_READY" ] || bash "$samples/toolchain.sh"
go=$(sed -n 's/^go1.24=//p' "$samples/.work/TOOLCHAINS_READY")
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
work="$here/.work"
mkdir -p "$work/gopath/src/large"
cp "$here/large/main.go" "$work/gopath/src/large/"
(cd "$work/gopath/src/large" && GOPATH="$work/gopath" GOCACHE="$work/cache" "$go" build -o "$work/large" .)
"$work/large" "$work/inputs"
ls -la "$work/inputs"
