#!/usr/bin/env bash
# Private PostgreSQL 15 for the samples: cluster in samples/.work/pg, listening on 127.0.0.1 only
# (port 55432, or PG_PORT), unix socket inside that folder, trust authentication, run as the
# `postgres` user when called as root (the server refuses to run as root). Installs Debian's
# postgresql-15 if it is missing.
#
#   postgres.sh start [max_connections]   start it (default max_connections 100) and print the DSN;
#                                          already running with that limit: just print the DSN;
#                                          running with another limit: restart with the new one
#   postgres.sh stop                       stop it (by its postmaster PID) if it runs
#   postgres.sh status                     exit 0 and print the DSN if it runs
#   postgres.sh max                        exit 0 and print max_connections if it runs
#   postgres.sh version                    print the server version
#   postgres.sh purge                      stop it and delete the cluster
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(cd "$here/.." && pwd)/.work
dir="$work/pg"
data="$dir/data"
bin=/usr/lib/postgresql/15/bin
port=${PG_PORT:-55432}
dsn="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"

# install_server: Debian's postgresql-15 when it is missing (its own cluster service stays
# stopped: only this private instance runs).
install_server() {
  [ -x "$bin/postgres" ] && return 0
  [ "$(id -u)" = 0 ] || { echo "postgres.sh: PostgreSQL 15 is not installed ($bin); run as root to install it" >&2; exit 1; }
  local policy=/usr/sbin/policy-rc.d made=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made=1
  fi
  mkdir -p "$work"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >"$work/postgres-install.log" 2>&1 ||
    { [ -n "$made" ] && rm -f "$policy"; tail -20 "$work/postgres-install.log" >&2; exit 1; }
  [ -n "$made" ] && rm -f "$policy"
  return 0
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# PID of a live postmaster of this cluster, or nothing.
postmaster_pid() {
  [ -f "$data/postmaster.pid" ] || return 0
  local pid
  pid=$(head -1 "$data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$data" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

# max_connections the running server was started with.
running_max() {
  as_pg env PGCONNECT_TIMEOUT=5 "$bin/psql" -X -A -t -h "$dir" -p "$port" -U postgres -d postgres \
    -c 'show max_connections' 2>/dev/null || true
}

stop() {
  local pid
  pid=$(postmaster_pid)
  [ -n "$pid" ] || return 0
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

start() {
  local max=${1:-100}
  install_server
  if [ -n "$(postmaster_pid)" ]; then
    if [ "$(running_max)" = "$max" ]; then
      echo "$dsn"
      return 0
    fi
    stop
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  # Only the TCP listener on 127.0.0.1 and a socket in our own folder.
  as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=$max -c superuser_reserved_connections=3 -c fsync=off" \
    start >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
  echo "$dsn"
}

case "${1:-}" in
start) start "${2:-100}" ;;
stop) stop ;;
status)
  [ -n "$(postmaster_pid)" ] || exit 1
  echo "$dsn"
  ;;
max)
  [ -n "$(postmaster_pid)" ] || exit 1
  running_max
  ;;
version) install_server && "$bin/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /' ;;
purge)
  stop
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start [max_connections] | stop | status | max | version | purge" >&2
  exit 2
  ;;
esac
