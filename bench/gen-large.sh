#!/usr/bin/env bash
# Writes the benchmark's large inputs into bench/.work/ (not committed: hundreds of MB):
#   - bench/large/main.go, run with Debian's Go 1.24: a goroutine profile of 100,000
#     goroutines and a heap profile of about a million stacks (bench/.work/inputs);
#   - bench/largetrace/main.go, run with Go 1.27: an execution trace of a busy program, traced
#     until it reaches TRACE_MB (default 300) MB, one generation per second or so
#     (bench/.work/traces/large-go1.27.trace), and a smaller one with Go 1.24
#     (TRACE_MB_124, default 60) for the go 1.23 format (large-go1.24.trace);
#   - bench/tracebench, the Go-side peer of bench/trace.js (golang.org/x/exp/trace from
#     Debian's golang-golang-x-exp-dev, in samples/.work's GOPATH), built with Go 1.27.
# See samples/toolchain.sh for the toolchains. Parts already built are kept; ONLY=profiles,
# ONLY=traces or ONLY=peer limits the run to one part.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../samples"
[ -f "$samples/.work/TOOLCHAINS_READY" ] || bash "$samples/toolchain.sh"
go124=$(sed -n 's/^go1.24=//p' "$samples/.work/TOOLCHAINS_READY")
go127=$(sed -n 's/^go1.27=//p' "$samples/.work/TOOLCHAINS_READY")
gopath=$(sed -n 's/^gopath=//p' "$samples/.work/TOOLCHAINS_READY")
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
work="$here/.work"
only=${ONLY:-all}

build() { # build GO PKGDIR OUT [GOPATH]
  local go=$1 dir=$2 out=$3 gp=${4:-$work/gopath}
  local name; name=$(basename "$dir")
  mkdir -p "$work/gopath/src/$name"
  cp "$dir"/*.go "$work/gopath/src/$name/"
  (cd "$work/gopath/src/$name" && GOPATH="$gp" GOCACHE="$work/cache-$(basename "$(dirname "$(dirname "$go")")")" "$go" build -o "$out" .)
}

if [ "$only" = all ] || [ "$only" = profiles ]; then
  build "$go124" "$here/large" "$work/large"
  "$work/large" "$work/inputs"
  ls -la "$work/inputs"
fi

if [ "$only" = all ] || [ "$only" = traces ]; then
  mkdir -p "$work/traces"
  build "$go127" "$here/largetrace" "$work/largetrace-go1.27"
  build "$go124" "$here/largetrace" "$work/largetrace-go1.24"
  [ -s "$work/traces/large-go1.27.trace" ] || "$work/largetrace-go1.27" "$work/traces/large-go1.27.trace" "${TRACE_MB:-300}"
  [ -s "$work/traces/large-go1.24.trace" ] || "$work/largetrace-go1.24" "$work/traces/large-go1.24.trace" "${TRACE_MB_124:-60}"
  ls -la "$work/traces"
fi

if [ "$only" = all ] || [ "$only" = peer ]; then
  build "$go127" "$here/tracebench" "$work/tracebench" "$work/gopath:$gopath"
fi
