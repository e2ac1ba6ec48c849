#!/usr/bin/env bash
# Builds each program under samples/runtime-verdicts with Debian's Go toolchains, runs it until
# the runtime (or `go test`, or the race detector, or goleak) gives its verdict, and keeps what
# the process printed, stdout and stderr together in the order printed, unedited:
#   CASE/go1.NN/output.txt     the combined output (2>&1)
#   CASE/go1.NN/exit-code      the process's exit status
#   CASE/go1.NN/command.txt    how it was run (environment and command, paths relative to CASE's
#                              build directory)
#   CASE/go1.NN/go-version.txt `go version` of the toolchain
# Each capture is checked for its verdict line; a capture that lacks it fails the run and the
# previous one is kept. Usage: regen.sh [CASE...] (default: all of them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/.." && pwd)
work="$samples/.work"
ready="$work/TOOLCHAINS_READY"
# The toolchains, and the GOPATH with go.uber.org/goleak.
if ! [ -f "$ready" ] || ! grep -q '^gopath=' "$ready" || ! [ -d "$work/gopath/src/go.uber.org/goleak" ]; then
  bash "$samples/toolchain.sh"
fi
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GOTELEMETRY=off HOME="$work"
unset GODEBUG GOEXPERIMENT GOTRACEBACK GORACE GOOS GOARCH GOMAXPROCS
libs=$(sed -n 's/^gopath=//p' "$ready")
gopath="$work/gopath-verdicts"
mkdir -p "$work/bin"

# case:import path:versions:verdict (an extended regular expression one line of the output
# must match). A version written 1.27/all is run with GOTRACEBACK=all into go1.27-gotraceback-all/.
# The import path is where the case's files go in the GOPATH: the test packages'
# functions are named by it in the stacks (shop/cartcache.(*Cache).Get).
cases=(
  "deadlock:deadlock:1.19 1.24 1.27:^fatal error: all goroutines are asleep - deadlock!$"
  "test-timeout:shop/cartcache:1.19 1.27:^panic: test timed out after 5s$"
  "data-race:data-race:1.24 1.27:^Found [0-9]+ data race\(s\)$"
  "concurrent-map-writes:concurrent-map-writes:1.19 1.24 1.27 1.27/all:^fatal error: concurrent map writes$"
  "panic:panic:1.27:^panic: runtime error: invalid memory address or nil pointer dereference$"
  "goleak:shop/notify:1.27:found unexpected goroutines:$"
)
want=("$@")

# run CASE VERSION [TRACEBACK]: build and run one capture of the package in $src into $tmp;
# TRACEBACK (all) sets GOTRACEBACK for the run.
run() {
  local name=$1 v=$2 tb=${3:-} go goroot bin
  go=$(sed -n "s/^go$v=//p" "$ready")
  goroot=$(dirname "$(dirname "$go")")
  export GOROOT=$goroot GOPATH="$gopath:$libs" GOCACHE="$work/cache-$v"
  bin="$work/bin/verdict-$name-$v"
  "$go" version | sed 's/^go version //' >"$tmp/go-version.txt"
  # run is called in a || list (errexit is off in it): a crash is the point, its exit status is kept.
  case $name in
  deadlock | concurrent-map-writes)
    (cd "$src" && CGO_ENABLED=0 "$go" build -o "$bin" .) || return 1
    printf 'CGO_ENABLED=0 go build -o %s . && %s./%s\n' "$name" "${tb:+GOTRACEBACK=$tb }" "$name" >"$tmp/command.txt"
    if [ -n "$tb" ]; then
      (cd "$src" && GOTRACEBACK=$tb "$bin" >"$tmp/output.txt" 2>&1)
    else
      (cd "$src" && "$bin" >"$tmp/output.txt" 2>&1)
    fi
    ;;
  panic)
    (cd "$src" && CGO_ENABLED=0 "$go" build -o "$bin" .) || return 1
    printf 'CGO_ENABLED=0 go build -o %s . && GOTRACEBACK=all ./%s\n' "$name" "$name" >"$tmp/command.txt"
    (cd "$src" && GOTRACEBACK=all "$bin" >"$tmp/output.txt" 2>&1)
    ;;
  data-race)
    # -race needs cgo (gcc) and the race runtime that Debian ships in golang-1.NN-src
    # (GOROOT/src/runtime/race/…syso).
    (cd "$src" && CGO_ENABLED=1 "$go" build -race -o "$bin" .) || return 1
    printf 'CGO_ENABLED=1 go build -race -o %s . && ./%s\n' "$name" "$name" >"$tmp/command.txt"
    (cd "$src" && "$bin" >"$tmp/output.txt" 2>&1)
    ;;
  test-timeout)
    printf 'CGO_ENABLED=0 go test -timeout 5s\n' >"$tmp/command.txt"
    (cd "$src" && CGO_ENABLED=0 "$go" test -timeout 5s >"$tmp/output.txt" 2>&1)
    ;;
  goleak)
    printf 'CGO_ENABLED=0 go test\n' >"$tmp/command.txt"
    (cd "$src" && CGO_ENABLED=0 "$go" test >"$tmp/output.txt" 2>&1)
    ;;
  esac
  echo $? >"$tmp/exit-code"
}

failed=0
for c in "${cases[@]}"; do
  IFS=: read -r name pkg versions verdict <<<"$c"
  if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
  src="$gopath/src/$pkg"
  rm -rf "$src"
  mkdir -p "$src"
  cp "$here/$name"/*.go "$src/"
  for run_as in $versions; do
    v=${run_as%/*} tb=""
    [ "$run_as" != "$v" ] && tb=${run_as#*/}
    out="$here/$name/go$v${tb:+-gotraceback-$tb}"
    tmp="$work/verdict-capture/$(basename "$out")-$name"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    ok=""
    # The map write check and the race detector catch a race when the goroutines interleave;
    # a run that did not get there is run again.
    for _ in 1 2 3 4 5; do
      run "$name" "$v" "$tb" || break # the build failed
      if grep -Eq "$verdict" "$tmp/output.txt"; then
        ok=1
        break
      fi
    done
    if [ -z "$ok" ]; then
      echo "$name $(basename "$out"): no \"$verdict\" in the output (kept the previous capture); it ends:" >&2
      tail -5 "$tmp/output.txt" >&2 || true
      failed=1
      continue
    fi
    rm -rf "$out"
    mv "$tmp" "$out"
    echo "$name $(basename "$out"): $(grep -Em1 "$verdict" "$out/output.txt") (exit $(cat "$out/exit-code"), $(grep -c '^goroutine [0-9]' "$out/output.txt" || true) goroutine headers, $(wc -c <"$out/output.txt") bytes)"
  done
done
exit $failed
