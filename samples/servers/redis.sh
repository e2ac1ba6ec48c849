#!/usr/bin/env bash
# Private Redis for the samples: bookworm's redis-server as samples/toolchain.sh unpacked it under
# samples/.work/root (nothing installed system-wide), run with its libraries from there, data
# and pid file in samples/.work/redis, listening on 127.0.0.1:56379 only (or REDIS_PORT), no
# persistence, no configuration file.
#
#   redis.sh start [maxclients]   start it (default 1000) and print its address (host:port);
#                                 running with that limit: just print the address
#   redis.sh stop                 stop it (by its PID) if it runs
#   redis.sh status               exit 0 and print the address if it runs
#   redis.sh max                  exit 0 and print maxclients if it runs
#   redis.sh version              print the server version
#   redis.sh purge                stop it and delete its folder
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(cd "$here/.." && pwd)/.work
root="$work/root"
dir="$work/redis"
pidfile="$dir/redis.pid"
port=${REDIS_PORT:-56379}
addr="127.0.0.1:$port"
server="$root/usr/bin/redis-server"
cli="$root/usr/bin/redis-cli"
export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

need_server() {
  [ -x "$server" ] && [ -x "$cli" ] && return 0
  echo "redis.sh: $server is missing: run samples/toolchain.sh" >&2
  exit 1
}

server_pid() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "redis-server" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

rcli() { "$cli" -h 127.0.0.1 -p "$port" "$@"; }

stop() {
  local pid
  pid=$(server_pid)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

start() {
  local max=${1:-1000}
  need_server
  if [ -n "$(server_pid)" ]; then
    if [ "$(rcli config get maxclients 2>/dev/null | sed -n 2p)" = "$max" ]; then
      echo "$addr"
      return 0
    fi
    stop
  fi
  mkdir -p "$dir"
  # Arguments only (no redis.conf): loopback, no RDB/AOF, its own folder.
  setsid "$server" --bind 127.0.0.1 --port "$port" --protected-mode yes --dir "$dir" \
    --pidfile "$pidfile" --logfile "$dir/redis.log" --daemonize no --save "" --appendonly no \
    --maxclients "$max" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do
    [ "$(rcli ping 2>/dev/null || true)" = PONG ] && break
    sleep 0.1
  done
  [ "$(rcli ping 2>/dev/null || true)" = PONG ] || { echo "redis.sh: the server did not come up" >&2; tail -20 "$dir/redis.log" >&2; exit 1; }
  # The pid file appears a moment after the port opens.
  for _ in $(seq 1 50); do [ -n "$(server_pid)" ] && break; sleep 0.1; done
  echo "$addr"
}

case "${1:-}" in
start) start "${2:-1000}" ;;
stop) stop ;;
status)
  [ -n "$(server_pid)" ] || exit 1
  echo "$addr"
  ;;
max)
  [ -n "$(server_pid)" ] || exit 1
  rcli config get maxclients | sed -n 2p
  ;;
version)
  need_server
  "$server" --version | sed -E 's/^Redis server v=([^ ]+).*/Redis \1/'
  ;;
purge)
  stop
  rm -rf "$dir"
  ;;
*)
  echo "usage: redis.sh start [maxclients] | stop | status | max | version | purge" >&2
  exit 2
  ;;
esac
