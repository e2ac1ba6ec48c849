#!/usr/bin/env bash
# Builds samples/goroutine-forms with Go 1.19, 1.24, 1.26 and 1.27, runs it, and keeps what it wrote
# in go1.NN/ with `go tool pprof -raw` and `-top` of each protobuf profile beside it (always Go
# 1.24's pprof, as for the corpus goldens: 1.19's drops samples that have no stack).
# Checks that the three goroutine forms state the same total.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/.." && pwd)
[ -f "$samples/.work/TOOLCHAINS_READY" ] || bash "$samples/toolchain.sh"
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
for v in 1.19 1.24 1.26 1.27; do
  go=$(sed -n "s/^go$v=//p" "$samples/.work/TOOLCHAINS_READY")
  goroot=$(dirname "$(dirname "$go")")
  gopath="$samples/.work/gopath-forms"
  mkdir -p "$gopath/src/goroutine-forms"
  cp "$here/main.go" "$gopath/src/goroutine-forms/"
  out="$here/go$v"
  rm -rf "$out"
  (cd "$gopath/src/goroutine-forms" && GOROOT=$goroot GOPATH=$gopath GOCACHE="$samples/.work/cache-$v" "$go" build -o "$samples/.work/bin/goroutine-forms-$v" .)
  # Go 1.26 (inside the brackets) and 1.27 (after them) print pprof labels in debug=2
  # headers with tracebacklabels=1 (a GOPATH build
  # gets the Go 1.20 GODEBUG defaults, which leave it off)
  godebug=""
  case $v in 1.26 | 1.27) godebug=tracebacklabels=1 ;; esac
  GODEBUG=$godebug "$samples/.work/bin/goroutine-forms-$v" "$out"
  pprof=$(sed -n "s/^go1.24=//p" "$samples/.work/TOOLCHAINS_READY")
  for f in "$out"/*.pb.gz; do
    HOME="$samples/.work" "$pprof" tool pprof -raw "$f" >"$f.raw.txt" 2>/dev/null
    HOME="$samples/.work" "$pprof" tool pprof -top "$f" 2>/dev/null | sed '1d' >"$f.top.txt"
  done
  "$go" version | sed 's/^go version //' >"$out/go-version.txt"
  total1=$(sed -n 's/^goroutine profile: total //p' "$out/goroutine.debug1.txt")
  total2=$(grep -c '^goroutine ' "$out/goroutine.debug2.txt")
  total0=$(awk '/^Samples:/{s=1; getline; next} s && /^ *[0-9]+:/{sub(":","",$1); t+=$1} /^Locations/{s=0} END{print t}' "$out/goroutine.pb.gz.raw.txt")
  if [ "$total0" != "$total1" ] || [ "$total1" != "$total2" ]; then
    echo "go$v: the forms disagree: debug=0 $total0, debug=1 $total1, debug=2 $total2" >&2
    exit 1
  fi
  echo "go$v: $total1 goroutines in each form"
done
