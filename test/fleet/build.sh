#!/usr/bin/env bash
# Builds test/fleet/fleetd (one instance of a fleet, see its main.go) with Go 1.27 in GOPATH
# mode, like the samples, into samples/.work/bin/fleetd. Needs samples/toolchain.sh to have
# run. Prints the binary's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../samples/lib/common.sh
source "$here/../../samples/lib/common.sh"
go=$(toolchain_value go1.27)
gopath=$(toolchain_value gopath)
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off CGO_ENABLED=0 GOTELEMETRY=off
export GOROOT=$(cd "$(dirname "$go")/.." && pwd) GOCACHE="$work/cache-1.27" HOME="$work"
unset GOEXPERIMENT GODEBUG GOOS GOARCH
src="$work/gopath-fleet/src/fleetd"
mkdir -p "$src" "$work/bin"
cp "$here/fleetd/main.go" "$src/main.go"
bin="$work/bin/fleetd"
(cd "$src" && GOPATH="$work/gopath-fleet:$gopath" "$go" build -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
echo "$bin"
