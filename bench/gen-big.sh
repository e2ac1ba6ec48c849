#!/usr/bin/env bash
# Writes the inputs of `npm run bench` into bench/.work/big/ (not committed: gigabytes), each
# from a real Go 1.27 program (samples/.work's toolchain, see samples/toolchain.sh), at three
# sizes for the growth rows (1×, 4×, 16×; the 16× one is the big input itself):
#   goroutine-{6.6k,26k,106k}.{pb.gz,debug1.txt,debug2.txt}
#       bench/bigserver: 6,625 / 26,500 / 106,000 goroutines parked on a database/sql pool and
#       a sync.Mutex, 4,096 / 16,384 / 65,536 distinct stacks. debug=0 and debug=1 are taken
#       over HTTP from net/http/pprof; debug=2 from the process's own traceback on SIGQUIT
#       with GOTRACEBACK=all (the HTTP one stops at the runtime's 64 MiB buffer), checked whole.
#   heap-{112k,450k,1.8m}.pb.gz
#       bench/bigheap: 112,500 / 450,000 / 1,800,000 samples, one per distinct call path,
#       MemProfileRate=1 (about 13 / 53 / 216 MB uncompressed).
#   trace-{26mb,104mb,414mb}.trace
#       bench/largetrace: a busy server traced until the file reaches about 26 / 104 / 414 MB.
# Also fetches the peers: bench/.work/tracebench (x/exp/trace, via gen-large.sh) and Debian's
# panicparse (bench/panicparse.sh). Inputs already there are kept. ONLY=goroutines, heap,
# traces or peers limits the run to one part.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../samples"
[ -f "$samples/.work/TOOLCHAINS_READY" ] || bash "$samples/toolchain.sh"
go127=$(sed -n 's/^go1.27=//p' "$samples/.work/TOOLCHAINS_READY")
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
work="$here/.work"
big="$work/big"
only=${ONLY:-all}
mkdir -p "$big"
say() { echo "gen-big: $*" >&2; }

build() { # build PKGDIR OUT
  local name; name=$(basename "$1")
  mkdir -p "$work/gopath/src/$name"
  cp "$1"/*.go "$work/gopath/src/$name/"
  (cd "$work/gopath/src/$name" && GOPATH="$work/gopath" GOCACHE="$work/cache-go1.27" "$go127" build -trimpath -o "$2" .)
}

# goroutines LABEL GOROUTINES STACKS: the three dumps of one bigserver run.
goroutines() {
  local out="$big/goroutine-$1" n=$2 stacks=$3
  [ -s "$out.pb.gz" ] && [ -s "$out.debug1.txt" ] && [ -s "$out.debug2.txt" ] && return 0
  say "goroutine-$1: $n goroutines, $stacks stacks"
  local tmp="$out.partial"
  rm -f "$tmp".*
  GOTRACEBACK=all "$work/bigserver" "$n" "$stacks" >"$tmp.log" 2>"$tmp.debug2" &
  local pid=$! addr="" i
  for i in $(seq 1200); do
    addr=$(sed -n 's/^ready \([^ ]*\) .*/\1/p' "$tmp.log")
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || { say "bigserver exited early"; cat "$tmp.debug2" >&2; return 1; }
    sleep 0.25
  done
  [ -n "$addr" ] || { kill "$pid"; say "bigserver not ready after 300 s"; return 1; }
  curl -sf "http://$addr/debug/pprof/goroutine" -o "$tmp.pb.gz"
  curl -sf "http://$addr/debug/pprof/goroutine?debug=1" -o "$tmp.debug1"
  kill -QUIT "$pid"
  wait "$pid" || true # exits 2 after the traceback
  # whole: every goroutine's header is there, and the register dump the runtime writes after
  # the last goroutine follows it
  local headers; headers=$(grep -c '^goroutine [0-9]' "$tmp.debug2" || true)
  if [ "$headers" -lt "$n" ] || ! tail -n 30 "$tmp.debug2" | grep -q '^rip '; then
    say "goroutine-$1.debug2.txt cut short: $headers goroutine headers, want ≥ $n"; return 1
  fi
  mv "$tmp.pb.gz" "$out.pb.gz"
  mv "$tmp.debug1" "$out.debug1.txt"
  mv "$tmp.debug2" "$out.debug2.txt"
  rm -f "$tmp.log"
}

heap() { # heap LABEL PATHS
  local out="$big/heap-$1.pb.gz"
  [ -s "$out" ] && return 0
  say "heap-$1: $2 call paths"
  "$work/bigheap" "$out.partial" "$2" 78 >&2
  mv "$out.partial" "$out"
}

trace() { # trace LABEL MB
  local out="$big/trace-$1.trace"
  [ -s "$out" ] && return 0
  say "trace-$1: tracing a busy server until the file reaches $2 MiB"
  "$work/largetrace-big" "$out.partial" "$2" >&2
  mv "$out.partial" "$out"
}

if [ "$only" = all ] || [ "$only" = goroutines ]; then
  [ -x "$work/bigserver" ] || build "$here/bigserver" "$work/bigserver"
  goroutines 6.6k 6625 4096
  goroutines 26k 26500 16384
  goroutines 106k 106000 65536
fi
if [ "$only" = all ] || [ "$only" = heap ]; then
  [ -x "$work/bigheap" ] || build "$here/bigheap" "$work/bigheap"
  heap 112k 112500
  heap 450k 450000
  heap 1.8m 1800000
fi
if [ "$only" = all ] || [ "$only" = traces ]; then
  [ -x "$work/largetrace-big" ] || build "$here/largetrace" "$work/largetrace-big"
  trace 26mb 21 # MiB, stopped a little past: about 26, 104 and 414 MB
  trace 104mb 95
  trace 414mb 390
fi
if [ "$only" = all ] || [ "$only" = peers ]; then
  [ -x "$work/tracebench" ] || ONLY=peer bash "$here/gen-large.sh" >&2
  bash "$here/panicparse.sh" >/dev/null
fi
ls -la "$big" >&2
