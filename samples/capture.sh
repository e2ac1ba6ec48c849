#!/usr/bin/env bash
# capture.sh SCENARIO GOVERSION   (GOVERSION: go1.27, 1.27, go1.19, ...)
#
# Builds samples/SCENARIO/*.go with that Go toolchain in GOPATH mode, runs it with PPROF_ADDR
# (and PG_DSN / MYSQL_DSN / REDIS_ADDR when scenario.json asks for a server), waits for it to
# print READY, and captures over HTTP into samples/SCENARIO/goVERSION/:
#   goroutine.pb.gz, goroutine.debug1.txt, goroutine.debug2.txt   back to back
#   vars.json                                    captures.expvar: GET /debug/vars (expvar) right
#                                                after them
#   heap.pb.gz
#   block.pb.gz, mutex.pb.gz                     captures.block / captures.mutex
#   trace.out                                    captures.traceSeconds (halved until ≤ 2 MB)
#   cpu.pb.gz                                    captures.cpuSeconds
#   goroutine.2.{pb.gz,debug1.txt,debug2.txt}    captures.snapshotGapSeconds after the first
#                                                (and after READY2 when captures.ready2)
#   goroutineleak.{pb.gz,debug1.txt,debug2.txt}  captures.goroutineleak (Go 1.26 built with
#                                                GOEXPERIMENT=goroutineleakprofile, 1.27+)
#   goroutine.aged.{pb.gz,debug1.txt,debug2.txt} captures.agedSeconds after all of the above
#                                                (the program keeps running meanwhile), so
#                                                that debug=2 prints the waits' minutes
#   heap.2.pb.gz, heap.aged.pb.gz                captures.heap2: one more heap profile right
#                                                after goroutine.2.* and after goroutine.aged.*
#                                                (memory in use between snapshots)
#   vars.2.json, vars.aged.json                  captures.expvar: /debug/vars again right after
#                                                goroutine.2.* and after goroutine.aged.*
# then stops the program (its whole process group) and writes goldens beside the captures with
# the same Go version's tools: <profile>.raw.txt / .top.txt (go tool pprof -raw / -top),
# trace.parsed.summary.json (+ trace.parsed.txt when ≤ 1 MB), trace.{net,sync,syscall,sched}.pprof
# (go tool trace -pprof=…), and capture.json (versions, settings, times). The details are in
# samples/lib/README.md.
#
# The new captures replace samples/SCENARIO/goVERSION/ only when everything worked.
# Env: KEEP_SERVERS=1 leaves the database servers running (samples/regen.sh sets it).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: capture.sh SCENARIO GOVERSION   e.g. capture.sh db-pool-pq go1.27" >&2
  exit 2
fi
scenario=${1%/}
name=$(basename "$scenario")
v=${2#go}
# shellcheck source=lib/common.sh
source "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"
lib="$samples_dir/lib"
dir="$samples_dir/$scenario"
[ -f "$dir/main.go" ] || { echo "capture.sh: $dir/main.go not found" >&2; exit 2; }
[ -f "$dir/scenario.json" ] || { echo "capture.sh: $dir/scenario.json not found" >&2; exit 2; }
eval "$(node "$lib/scenario.mjs" "$dir/scenario.json")"

go=$(toolchain_value "go$v")
gopath=$(toolchain_value gopath)
goroot=$(cd "$(dirname "$go")/.." && pwd)
minor=${v#1.}
minor=${minor%%.*}

export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GOROOT="$goroot" GOCACHE="$work/cache-$v" HOME="$work"
export CGO_ENABLED=0 GOTELEMETRY=off
unset GOEXPERIMENT GODEBUG GOOS GOARCH

tag="$name-go$v"
tmp="$work/capture/$tag"
notes="$work/capture/$tag.notes"
log="$work/$name-$v.log"
rm -rf "$tmp" "$notes"
mkdir -p "$tmp" "$notes" "$work/bin"
meta() { printf '%s\t%s\n' "$1" "$2" >>"$notes/meta.tsv"; }
meta scenario "$scenario"
[ "$S_HEAP2" = 1 ] && meta heap2 1
[ "$S_EXPVAR" = 1 ] && meta expvar 1

# ---- build ------------------------------------------------------------------------------------
src="$work/gopath-scenarios/src/$name"
rm -rf "$src"
mkdir -p "$src"
cp "$dir"/*.go "$src/"
godebug_directive=""
if [ "$minor" -ge 21 ]; then
  # A module-mode build gets its go.mod version's GODEBUG defaults; a GOPATH build gets Go 1.20's.
  # This file gives the program the defaults of the toolchain that builds it (Go 1.27: pprof
  # labels in debug=2 headers). Older compilers never see it.
  godebug_directive="default=go1.$minor"
  printf '//go:build go1.%s\n\n//go:debug %s\n\npackage main\n' "$minor" "$godebug_directive" >"$src/zz_godebug_default.go"
fi
build_env="GO111MODULE=off GOTOOLCHAIN=local CGO_ENABLED=0"
if [ "$S_GOROUTINELEAK" = 1 ] && [ "$minor" = 26 ]; then
  export GOEXPERIMENT=goroutineleakprofile
  build_env="$build_env GOEXPERIMENT=goroutineleakprofile"
fi
bin="$work/bin/$name-$v"
(cd "$src" && GOPATH="$work/gopath-scenarios:$gopath" "$go" build -o "$bin" .)
unset GOEXPERIMENT
meta goVersion "go$v"
meta goVersionOutput "$("$go" version)"
meta toolchainPackage "$(grep "^golang-$v-go=" "$work/PACKAGE_VERSIONS" 2>/dev/null | head -1 || true)"
meta buildEnv "$build_env"
meta godebugDirective "$godebug_directive"

# Library versions: the Debian package that ships each non-standard package the program imports.
idx=$(deb_index)
(cd "$src" && GOPATH="$work/gopath-scenarios:$gopath" "$go" list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' . 2>/dev/null) |
  grep -v "^$name\$" | grep -v '^$' | while read -r imp; do
  line=$(awk -v p="$imp" '$1 == p {print; exit}' "$idx")
  # a module's /vN import path that Debian installs without the /vN (go-redis v9)
  [ -z "$line" ] && line=$(awk -v p="$(echo "$imp" | sed -E 's#/v[0-9]+(/|$)#\1#')" -v i="$imp" '$1 == p {$1 = i; print; exit}' "$idx")
  echo "${line:-$imp ? ?}"
done >"$notes/libs.txt" || true

# ---- servers ----------------------------------------------------------------------------------
pg_restore_max=""
pg_started=""
mysql_started=""
redis_started=""
prog_pid=""
cleanup() {
  local rc=$?
  set +e
  [ -n "$prog_pid" ] && stop_group "$prog_pid"
  if [ "${KEEP_SERVERS:-}" != 1 ]; then
    [ -n "$pg_started" ] && bash "$samples_dir/servers/postgres.sh" stop
    [ -n "$mysql_started" ] && bash "$samples_dir/servers/mariadb.sh" stop
    [ -n "$redis_started" ] && bash "$samples_dir/servers/redis.sh" stop
  fi
  # A server that ran before with other settings gets them back.
  [ -n "$pg_restore_max" ] && bash "$samples_dir/servers/postgres.sh" start "$pg_restore_max" >/dev/null
  [ $rc -ne 0 ] && echo "capture.sh $scenario go$v: FAILED (kept the previous captures; log: $log)" >&2
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

prog_env=()
if [ "$S_PG" = 1 ]; then
  if prev=$(bash "$samples_dir/servers/postgres.sh" max 2>/dev/null); then
    [ "$prev" != "$S_PG_MAX" ] && [ "${KEEP_SERVERS:-}" != 1 ] && pg_restore_max=$prev
  else
    pg_started=1
  fi
  prog_env+=("PG_DSN=$(bash "$samples_dir/servers/postgres.sh" start "$S_PG_MAX")")
  printf 'postgres\t%s\tmax_connections=%s\n' "$(bash "$samples_dir/servers/postgres.sh" version)" "$S_PG_MAX" >>"$notes/servers.tsv"
fi
if [ "$S_MYSQL" = 1 ]; then
  bash "$samples_dir/servers/mariadb.sh" status >/dev/null 2>&1 || mysql_started=1
  prog_env+=("MYSQL_DSN=$(bash "$samples_dir/servers/mariadb.sh" start "$S_MYSQL_MAX")")
  printf 'mariadb\t%s\tmax_connections=%s\n' "$(bash "$samples_dir/servers/mariadb.sh" version)" "$S_MYSQL_MAX" >>"$notes/servers.tsv"
fi
if [ "$S_REDIS" = 1 ]; then
  bash "$samples_dir/servers/redis.sh" status >/dev/null 2>&1 || redis_started=1
  prog_env+=("REDIS_ADDR=$(bash "$samples_dir/servers/redis.sh" start "$S_REDIS_MAX")")
  printf 'redis\t%s\tmaxclients=%s\n' "$(bash "$samples_dir/servers/redis.sh" version)" "$S_REDIS_MAX" >>"$notes/servers.tsv"
fi
while IFS= read -r kv; do [ -n "$kv" ] && prog_env+=("$kv"); done <<<"$S_ENV"

# ---- run --------------------------------------------------------------------------------------
run_godebug=""
# Go 1.26 prints labels in debug=2 headers (inside the brackets) only with tracebacklabels=1.
[ "$minor" = 26 ] && run_godebug=tracebacklabels=1
addr="127.0.0.1:$(free_port)"
meta pprofAddr "$addr"
meta runGodebug "$run_godebug"
meta started "$(now)"
env "${prog_env[@]}" PPROF_ADDR="$addr" GODEBUG="$run_godebug" setsid "$bin" </dev/null >"$log" 2>&1 &
prog_pid=$!
wait_line "$log" '^READY' "$S_READY_TIMEOUT" "$prog_pid"
meta ready "$(now)"
meta readyLine "$(grep -m1 '^READY' "$log")"
for _ in $(seq 1 100); do
  curl -sf --max-time 2 -o /dev/null "http://$addr/debug/pprof/" && break
  sleep 0.1
done

# get REQUEST FILE [SECONDS]: one capture over HTTP (REQUEST under /debug/pprof/, or a path
# from the root such as /debug/vars).
get() {
  local req=$1 file=$2 secs=${3:-0} a path
  case $req in /*) path=$req ;; *) path=/debug/pprof/$req ;; esac
  a=$(now)
  if ! curl -sf --max-time $((${secs%.*} + 120)) -o "$tmp/$file" "http://$addr$path"; then
    echo "capture.sh: GET $path failed" >&2
    return 1
  fi
  printf '%s\t%s\t%s\t%s\n' "$file" "$a" "$(now)" "$path" >>"$notes/files.tsv"
}
snapshot() { # snapshot PREFIX
  get goroutine "$1.pb.gz"
  get 'goroutine?debug=1' "$1.debug1.txt"
  get 'goroutine?debug=2' "$1.debug2.txt"
}

snapshot goroutine
[ "$S_EXPVAR" = 1 ] && get /debug/vars vars.json
t1=$(date +%s.%N)
get heap heap.pb.gz
[ "$S_BLOCK" = 1 ] && get block block.pb.gz
[ "$S_MUTEX" = 1 ] && get mutex mutex.pb.gz
if [ "$S_TRACE_SECONDS" != 0 ]; then
  secs=$S_TRACE_SECONDS
  for _ in 1 2 3 4; do
    get "trace?seconds=$secs" trace.out "$secs"
    [ "$(stat -c %s "$tmp/trace.out")" -le 2000000 ] && break
    echo "capture.sh: trace.out of ${secs} s is $(stat -c %s "$tmp/trace.out") bytes; halving" >&2
    secs=$(awk -v s="$secs" 'BEGIN{print s/2}')
    sed -i '/^trace.out\t/d' "$notes/files.tsv"
  done
fi
[ "$S_CPU_SECONDS" != 0 ] && get "profile?seconds=$S_CPU_SECONDS" cpu.pb.gz "$S_CPU_SECONDS"
if [ "$S_GAP_SECONDS" != 0 ]; then
  rest=$(awk -v t1="$t1" -v g="$S_GAP_SECONDS" -v t="$(date +%s.%N)" 'BEGIN{r=t1+g-t; print (r>0 ? r : 0)}')
  sleep "$rest"
  if [ "$S_READY2" = 1 ]; then
    wait_line "$log" '^READY2' $((S_GAP_SECONDS + S_READY_TIMEOUT)) "$prog_pid"
    meta ready2 "$(now)"
    meta ready2Line "$(grep -m1 '^READY2' "$log")"
  fi
  snapshot goroutine.2
  [ "$S_EXPVAR" = 1 ] && get /debug/vars vars.2.json
  [ "$S_HEAP2" = 1 ] && get heap heap.2.pb.gz
fi
if [ "$S_GOROUTINELEAK" = 1 ]; then
  if [ "$minor" -ge 26 ]; then
    get goroutineleak goroutineleak.pb.gz
    get 'goroutineleak?debug=1' goroutineleak.debug1.txt
    get 'goroutineleak?debug=2' goroutineleak.debug2.txt
  else
    printf 'goroutineleak.pb.gz\tGo %s has no goroutineleak profile\n' "$v" >>"$notes/skipped.tsv"
  fi
fi
if [ "$S_AGED_SECONDS" != 0 ]; then
  # One snapshot minutes after the fault: debug=2 then prints ", N minutes" on every goroutine
  # that has waited a minute or more. The program and its load keep running meanwhile.
  if [ "$S_READY2" = 1 ] && [ "$S_GAP_SECONDS" = 0 ]; then
    wait_line "$log" '^READY2' "$S_READY_TIMEOUT" "$prog_pid"
    meta ready2 "$(now)"
    meta ready2Line "$(grep -m1 '^READY2' "$log")"
  fi
  meta agedSeconds "$S_AGED_SECONDS"
  meta agedWaitStarted "$(now)"
  aged_until=$(awk -v t="$(date +%s.%N)" -v a="$S_AGED_SECONDS" 'BEGIN{printf "%.3f", t+a}')
  while awk -v u="$aged_until" -v t="$(date +%s.%N)" 'BEGIN{exit !(t<u)}'; do
    kill -0 "$prog_pid" 2>/dev/null || { echo "capture.sh: the program died while waiting for the aged snapshot" >&2; tail -15 "$log" >&2; exit 1; }
    sleep "$(awk -v u="$aged_until" -v t="$(date +%s.%N)" 'BEGIN{r=u-t; print (r>1 ? 1 : (r>0 ? r : 0))}')"
  done
  snapshot goroutine.aged
  [ "$S_EXPVAR" = 1 ] && get /debug/vars vars.aged.json
  [ "$S_HEAP2" = 1 ] && get heap heap.aged.pb.gz
fi
kill -0 "$prog_pid" 2>/dev/null || { echo "capture.sh: the program died during the capture" >&2; tail -15 "$log" >&2; exit 1; }
meta finished "$(now)"
stop_group "$prog_pid"
prog_pid=""

# ---- goldens ----------------------------------------------------------------------------------
gv=$("$go" version | awk '{print $3}')
golden() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${4:-$gv}" "$3" >>"$notes/goldens.tsv"; }
# pprof goldens with the same Go version's pprof, except before Go 1.20: that pprof's -raw leaves
# out samples whose values are all zero (heap), so Go 1.24's pprof writes those goldens.
pprof_go=$go
pprof_env=()
if [ "$minor" -lt 20 ]; then
  pprof_go=$(toolchain_value go1.24)
  pprof_env=(GOROOT="$(cd "$(dirname "$pprof_go")/.." && pwd)" GOCACHE="$work/cache-1.24")
fi
pv=$(env "${pprof_env[@]}" "$pprof_go" version | awk '{print $3}')
for f in "$tmp"/*.pb.gz; do
  [ -f "$f" ] || continue
  b=$(basename "$f")
  env "${pprof_env[@]}" "$pprof_go" tool pprof -raw "$f" >"$f.raw.txt" 2>/dev/null
  golden "$b.raw.txt" "$b" "go tool pprof -raw $b" "$pv"
  # The first line names the binary (File: …): dropped.
  env "${pprof_env[@]}" "$pprof_go" tool pprof -top "$f" 2>/dev/null | sed '1{/^File: /d}' >"$f.top.txt"
  golden "$b.top.txt" "$b" "go tool pprof -top $b | sed '1{/^File: /d}'" "$pv"
done
if [ -f "$tmp/trace.out" ]; then
  t="$tmp/trace.out"
  go124=$(toolchain_value go1.24 2>/dev/null || true)
  go124env=(GOROOT="$(cd "$(dirname "${go124:-/x/x}")/.." 2>/dev/null && pwd)" GOCACHE="$work/cache-1.24")
  listing_tool=$gv
  if [ "$minor" -ge 23 ]; then
    "$go" tool trace -d=parsed "$t" >"$notes/parsed.txt"
    golden trace.parsed.summary.json trace.out "go tool trace -d=parsed trace.out | node samples/lib/trace-summary.mjs"
  elif [ "$minor" = 22 ]; then
    # Go 1.22's tool has no -d=parsed: the listing comes from Go 1.24's, which reads 1.22 traces.
    listing_tool=$(env "${go124env[@]}" "$go124" version | awk '{print $3}')
    env "${go124env[@]}" "$go124" tool trace -d=parsed "$t" >"$notes/parsed.txt"
    golden trace.parsed.summary.json trace.out "go tool trace -d=parsed trace.out | node samples/lib/trace-summary.mjs" "$listing_tool"
  else
    # Go ≤ 1.21's tool prints the parsed events with -d (a bool); it opens an HTTP listener
    # before parsing, so keep it on loopback.
    "$go" tool trace -http=127.0.0.1:0 -d "$t" >"$notes/parsed.txt" 2>"$notes/parsed.err"
    golden trace.parsed.summary.json trace.out "go tool trace -d trace.out | node samples/lib/trace-summary.mjs"
    # The same trace as the current parser sees it (it converts the old format): Go 1.24's tool.
    if [ -n "$go124" ]; then
      v124=$(env "${go124env[@]}" "$go124" version | awk '{print $3}')
      env "${go124env[@]}" "$go124" tool trace -d=parsed "$t" |
        node "$lib/trace-summary.mjs" --tool "$v124" --trace "$t" >"$tmp/trace.parsed.go1.24.summary.json"
      golden trace.parsed.go1.24.summary.json trace.out "go tool trace -d=parsed trace.out | node samples/lib/trace-summary.mjs" "$v124"
    fi
  fi
  node "$lib/trace-summary.mjs" --tool "$listing_tool" --trace "$t" <"$notes/parsed.txt" >"$tmp/trace.parsed.summary.json"
  if [ "$(stat -c %s "$notes/parsed.txt")" -le "${PARSED_MAX_BYTES:-1000000}" ]; then
    cp "$notes/parsed.txt" "$tmp/trace.parsed.txt"
    golden trace.parsed.txt trace.out "go tool trace -d$([ "$minor" -ge 22 ] && echo =parsed) trace.out" "$listing_tool"
  fi
  for k in net sync syscall sched; do
    if [ "$minor" -ge 23 ]; then
      "$go" tool trace -pprof="$k" "$t" >"$tmp/trace.$k.pprof"
    else
      "$go" tool trace -http=127.0.0.1:0 -pprof="$k" "$t" >"$tmp/trace.$k.pprof"
    fi
    golden "trace.$k.pprof" trace.out "go tool trace -pprof=$k trace.out"
  done
fi

# ---- check and install ------------------------------------------------------------------------
too_big=$(find "$tmp" -type f -size +2000000c -printf '%f (%s bytes)\n')
if [ -n "$too_big" ]; then
  echo "capture.sh: files over 2 MB: $too_big — lower the load or the trace seconds" >&2
  exit 1
fi
for f in "$tmp"/vars*.json; do
  [ -f "$f" ] || continue
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" ||
    { echo "capture.sh: $(basename "$f") is not valid JSON" >&2; exit 1; }
done
node "$lib/capture-json.mjs" "$notes" "$tmp/capture.json"
out="$dir/go$v"
rm -rf "$out"
mv "$tmp" "$out"
rm -rf "$notes"
# Go's goroutine analysis of the trace (its trace tool's goroutine pages), into trace.goroutines.json.
if [ -f "$out/trace.out" ]; then bash "$samples_dir/golden-trace-goroutines.sh" "$out/trace.out" >/dev/null; fi
# The goroutine counts scenario.json's "observe" asks for, into its facts.observedInCaptures.
node "$lib/observe.mjs" "$dir" "go$v"
echo "$scenario go$v: $(find "$out" -type f | wc -l) files, $(du -sk "$out" | cut -f1) KiB"
