#!/usr/bin/env bash
# capture.sh SCENARIO GOVERSION — builds samples/SCENARIO/main.go with that Go (GOPATH mode),
# runs it with PPROF_ADDR and the server DSNs in its environment, waits for it to print READY,
# and captures over HTTP into samples/SCENARIO/goVERSION/: goroutine as debug=0/1/2 and heap,
# plus what scenario.json's "captures" asks for (cpu, block, mutex, trace, a second goroutine
# snapshot after snapshotGapSeconds). Writes go tool pprof -raw/-top beside each profile
# (Go 1.24's pprof, as for the corpus goldens). Stops the program however it ends.
set -euo pipefail
scenario=$1
v=${2#go}
here=$(cd "$(dirname "$0")" && pwd)
dir="$here/$scenario"
work="$here/.work"
[ -f "$work/TOOLCHAINS_READY" ] || bash "$here/toolchain.sh"
go=$(sed -n "s/^go$v=//p" "$work/TOOLCHAINS_READY")
pprof=$(sed -n "s/^go1.24=//p" "$work/TOOLCHAINS_READY")
gopath=$(sed -n "s/^gopath=//p" "$work/TOOLCHAINS_READY")
export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
src="$work/gopath-scenarios/src/$scenario"
mkdir -p "$src" "$work/bin"
cp "$dir"/*.go "$src/"
(cd "$src" && GOPATH="$work/gopath-scenarios:$gopath" GOCACHE="$work/cache-$v" "$go" build -o "$work/bin/$scenario-$v" .)

caps=$(node -e "const s=require('$dir/scenario.json'); const c=s.captures||{}; console.log([c.cpuSeconds||0, c.traceSeconds||0, c.block?1:0, c.mutex?1:0, c.snapshotGapSeconds||0].join(' '))")
read -r cpu_s trace_s want_block want_mutex gap_s <<<"$caps"
port=$((16000 + RANDOM % 1000))
addr="127.0.0.1:$port"
out="$dir/go$v"
rm -rf "$out"
mkdir -p "$out"
log="$work/$scenario-$v.log"
godebug=""
[ "$v" = 1.27 ] && godebug=tracebacklabels=1
PPROF_ADDR=$addr GODEBUG=$godebug "$work/bin/$scenario-$v" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q '^READY' "$log" && break
  kill -0 $pid 2>/dev/null || { echo "$scenario: the program exited early:" >&2; tail -5 "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^READY' "$log" || { echo "$scenario: no READY within 60 s" >&2; exit 1; }
get() { curl -sf --max-time 120 -o "$out/$2" "http://$addr/debug/pprof/$1"; }
get goroutine goroutine.pb.gz
get 'goroutine?debug=1' goroutine.debug1.txt
get 'goroutine?debug=2' goroutine.debug2.txt
get heap heap.pb.gz
[ "$want_block" = 1 ] && get block block.pb.gz
[ "$want_mutex" = 1 ] && get mutex mutex.pb.gz
[ "$cpu_s" != 0 ] && get "profile?seconds=$cpu_s" cpu.pb.gz
[ "$trace_s" != 0 ] && get "trace?seconds=$trace_s" trace.out
if [ "$gap_s" != 0 ]; then
  sleep "$gap_s"
  get goroutine goroutine.2.pb.gz
  get 'goroutine?debug=1' goroutine.2.debug1.txt
  get 'goroutine?debug=2' goroutine.2.debug2.txt
fi
for f in "$out"/*.pb.gz; do
  HOME="$work" "$pprof" tool pprof -raw "$f" >"$f.raw.txt" 2>/dev/null
  HOME="$work" "$pprof" tool pprof -top "$f" 2>/dev/null | sed '1d' >"$f.top.txt"
done
"$go" version | sed 's/^go version //' >"$out/go-version.txt"
echo "$scenario go$v: $(ls "$out" | wc -l) files"
