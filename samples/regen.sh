#!/usr/bin/env bash
# regen.sh [SCENARIO...] — regenerates the samples from nothing (a fresh machine, as root):
#   1. samples/toolchain.sh: the Go toolchains and libraries into samples/.work/;
#   2. the private PostgreSQL and MariaDB servers (samples/servers/);
#   3. samples/capture.sh for every scenario (every samples/*/ with main.go and scenario.json,
#      or only the ones named) × every Go version its scenario.json lists, which rewrites the
#      captures and their goldens; folders with their own regen.sh and no scenario.json
#      (goroutine-forms) run that script;
#   4. stops the servers it started.
# A failing scenario is reported and the others still run; the exit status is 1 if any failed.
# Idempotent: reruns replace each capture folder only when its new capture succeeded.
# Not part of CI (it needs root, the Debian archive and minutes of CPU).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

bash "$here/toolchain.sh"

started=()
stop_servers() {
  for s in "${started[@]}"; do bash "$here/servers/$s.sh" stop || true; done
}
trap stop_servers EXIT
bash "$here/servers/postgres.sh" status >/dev/null 2>&1 || started+=(postgres)
bash "$here/servers/postgres.sh" start >/dev/null
bash "$here/servers/mariadb.sh" status >/dev/null 2>&1 || started+=(mariadb)
bash "$here/servers/mariadb.sh" start >/dev/null
export KEEP_SERVERS=1

if [ $# -gt 0 ]; then
  dirs=("$@")
else
  dirs=()
  for d in "$here"/*/; do
    d=$(basename "$d")
    if [ -f "$here/$d/scenario.json" ] && [ -f "$here/$d/main.go" ]; then
      dirs+=("$d")
    elif [ -f "$here/$d/regen.sh" ] && [ ! -f "$here/$d/scenario.json" ]; then
      dirs+=("$d")
    fi
  done
fi

ok=()
failed=()
for d in "${dirs[@]}"; do
  d=${d%/}
  if [ ! -f "$here/$d/scenario.json" ] && [ -f "$here/$d/regen.sh" ]; then
    if bash "$here/$d/regen.sh"; then ok+=("$d"); else failed+=("$d"); fi
    continue
  fi
  versions=$(node -e "console.log((require('$here/$d/scenario.json').goVersions || []).join(' '))")
  [ -n "$versions" ] || { echo "regen.sh: $d lists no goVersions" >&2; failed+=("$d"); continue; }
  for v in $versions; do
    echo "== $d $v"
    if bash "$here/capture.sh" "$d" "$v"; then ok+=("$d/$v"); else failed+=("$d/$v"); fi
  done
done
# Leave PostgreSQL with its default limit for whoever uses it next.
bash "$here/servers/postgres.sh" start >/dev/null

echo "regen.sh: ${#ok[@]} captured${failed[*]:+, ${#failed[@]} failed: ${failed[*]}}"
echo "regen.sh: samples/ captures take $(find "$here" -path "$here/.work" -prune -o -path '*/go1.*/*' -type f -print0 | du -ch --files0-from=- | tail -1 | cut -f1)"
[ ${#failed[@]} -eq 0 ]
