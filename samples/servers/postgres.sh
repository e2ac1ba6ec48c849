#!/usr/bin/env bash
# Private PostgreSQL 15 for the samples: data in samples/.work/pg, listening on 127.0.0.1 only.
#   postgres.sh start [max_connections]   prints the DSN
#   postgres.sh stop
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir="$here/../.work/pg"
bin=/usr/lib/postgresql/15/bin
port=${PG_PORT:-55432}
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-}" in
start)
  max=${2:-100}
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    run "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
  fi
  run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=$max" start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then run "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
  ;;
*)
  echo "usage: postgres.sh start [max_connections] | stop" >&2
  exit 2
  ;;
esac
