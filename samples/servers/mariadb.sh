#!/usr/bin/env bash
# Private MariaDB for the samples: data in samples/.work/mariadb, listening on 127.0.0.1:53306 only
# (or MYSQL_PORT), socket and pid file inside that folder, user app/app on database app. Installs
# Debian's mariadb-server if no server binary is present (its own service stays stopped: only this
# private instance runs, started with --no-defaults so no system configuration applies).
#
#   mariadb.sh start [max_connections]   start it (default 151) and print the DSN (go-sql-driver form);
#                                         running with that limit: just print the DSN
#   mariadb.sh stop                      stop it (by its PID) if it runs
#   mariadb.sh status                    exit 0 and print the DSN if it runs
#   mariadb.sh max                       exit 0 and print max_connections if it runs
#   mariadb.sh version                   print the server version
#   mariadb.sh purge                     stop it and delete its data
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(cd "$here/.." && pwd)/.work
dir="$work/mariadb"
data="$dir/data"
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
port=${MYSQL_PORT:-53306}
dsn="app:app@tcp(127.0.0.1:$port)/app"

server_bin() { command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1 || true; }
client_bin() { command -v mariadb || command -v mysql || true; }

install_server() {
  [ -n "$(server_bin)" ] && return 0
  [ "$(id -u)" = 0 ] || { echo "mariadb.sh: mariadb-server is not installed (run as root to install it)" >&2; exit 1; }
  # Keep the package's own service from starting while it installs.
  local policy=/usr/sbin/policy-rc.d made=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mariadb-server >"$work/mariadb-install.log" 2>&1 ||
    { [ -n "$made" ] && rm -f "$policy"; tail -20 "$work/mariadb-install.log" >&2; exit 1; }
  [ -n "$made" ] && rm -f "$policy"
  return 0
}

run_user() { if [ "$(id -u)" = 0 ]; then echo mysql; else id -un; fi; }

server_pid() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$data" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

sql() { "$(client_bin)" --no-defaults -S "$sock" -u root -N -B -e "$1"; }

stop() {
  local pid
  pid=$(server_pid)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

start() {
  local max=${1:-151}
  install_server
  if [ -n "$(server_pid)" ]; then
    if [ "$(sql 'select @@max_connections' 2>/dev/null || true)" = "$max" ]; then
      echo "$dsn"
      return 0
    fi
    stop
  fi
  local user
  user=$(run_user)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown "$user" "$dir"
  if [ ! -d "$data/mysql" ]; then
    rm -rf "$data"
    mariadb-install-db --no-defaults --datadir="$data" --user="$user" --auth-root-authentication-method=socket \
      --skip-test-db >"$dir/install-db.log" 2>&1 || { tail -20 "$dir/install-db.log" >&2; exit 1; }
  fi
  setsid "$(server_bin)" --no-defaults --datadir="$data" --socket="$sock" --pid-file="$pidfile" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --user="$user" \
    --max-connections="$max" --log-error="$dir/error.log" --innodb-buffer-pool-size=64M \
    --innodb-log-file-size=16M --skip-log-bin </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    if [ -S "$sock" ] && sql 'select 1' >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  sql 'select 1' >/dev/null 2>&1 || { echo "mariadb.sh: the server did not come up" >&2; tail -20 "$dir/error.log" >&2; exit 1; }
  sql "CREATE DATABASE IF NOT EXISTS app;
       CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app';
       GRANT ALL ON app.* TO 'app'@'127.0.0.1';
       GRANT PROCESS ON *.* TO 'app'@'127.0.0.1';"
  echo "$dsn"
}

case "${1:-}" in
start) start "${2:-151}" ;;
stop) stop ;;
status)
  [ -n "$(server_pid)" ] || exit 1
  echo "$dsn"
  ;;
max)
  [ -n "$(server_pid)" ] || exit 1
  sql 'select @@max_connections'
  ;;
version)
  b=$(server_bin)
  [ -n "$b" ] || { echo "not installed"; exit 1; }
  "$b" --version | sed -E 's/.*Ver ([^ ]+).*/MariaDB \1/'
  ;;
purge)
  stop
  rm -rf "$dir"
  ;;
*)
  echo "usage: mariadb.sh start [max_connections] | stop | status | max | version | purge" >&2
  exit 2
  ;;
esac
