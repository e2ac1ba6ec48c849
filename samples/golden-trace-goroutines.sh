#!/usr/bin/env bash
# Writes trace.goroutines.json beside sample traces: the goroutine analysis of Go's own trace
# tool (its /goroutines and /goroutine?name=… pages: groups by start function, and per goroutine
# the total time, the non-overlapping breakdown and range times), read by
# samples/lib/trace-goroutines.mjs. The tool is the Go that wrote the trace; for traces in the
# old format (Go ≤ 1.21) it is Go 1.26's, whose reader converts them (the old tool's pages follow
# other rules). capture.sh calls this for every new trace; run it alone to (re)make the goldens
# of committed traces and record them in their capture.json:
#   samples/golden-trace-goroutines.sh [samples/SCENARIO/goX.Y/trace.out ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off HOME="$work"

traces=("$@")
if [ ${#traces[@]} -eq 0 ]; then
  mapfile -t traces < <(ls "$here"/*/go1.*/trace.out)
fi
for t in "${traces[@]}"; do
  dir=$(cd "$(dirname "$t")" && pwd)
  minor=$(basename "$dir" | sed 's/^go1\.//')
  v=$minor
  [ "$minor" -ge 22 ] || v=26
  go=$(toolchain_value "go1.$v")
  goroot=$(cd "$(dirname "$go")/.." && pwd)
  tool=$(GOROOT="$goroot" "$go" version | awk '{print $3}')
  log=$(mktemp)
  setsid env GOROOT="$goroot" GOCACHE="$work/cache-1.$v" "$go" tool trace -http=127.0.0.1:0 "$dir/trace.out" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "golden-trace-goroutines.sh: $tool's trace tool did not serve $t:" >&2
    cat "$log" >&2
    stop_group "$pid"
    exit 1
  fi
  node "$here/lib/trace-goroutines.mjs" --url "$url" --tool "$tool" >"$dir/trace.goroutines.json.new"
  stop_group "$pid"
  rm -f "$log"
  mv "$dir/trace.goroutines.json.new" "$dir/trace.goroutines.json"
  # record the golden in capture.json (capture.sh writes capture.json after calling this)
  if [ -f "$dir/capture.json" ]; then
    node -e '
      const fs = require("fs");
      const [file, tool, bytes] = process.argv.slice(1);
      const c = JSON.parse(fs.readFileSync(file, "utf8"));
      c.goldens = c.goldens || {};
      c.goldens["trace.goroutines.json"] = { from: "trace.out", tool, command: "go tool trace -http (/goroutines, /goroutine?name=…) | node samples/lib/trace-goroutines.mjs", bytes: Number(bytes) };
      fs.writeFileSync(file, JSON.stringify(c, null, 2) + "\n");
    ' "$dir/capture.json" "$tool" "$(stat -c %s "$dir/trace.goroutines.json")"
  fi
  echo "$(basename "$(dirname "$dir")")/$(basename "$dir"): trace.goroutines.json ($tool)"
done
