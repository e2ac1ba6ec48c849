# Shell helpers shared by samples/capture.sh and samples/regen.sh (sourced, not run).
# Expects `set -euo pipefail` in the caller.

samples_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work="$samples_dir/.work"

# now: UTC time with milliseconds, RFC 3339.
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# toolchain_value KEY: a name=path line of samples/.work/TOOLCHAINS_READY (go1.27, gopath, ...).
toolchain_value() {
  [ -f "$work/TOOLCHAINS_READY" ] || { echo "samples/.work/TOOLCHAINS_READY is missing: run samples/toolchain.sh" >&2; return 1; }
  local v
  v=$(sed -n "s/^$1=//p" "$work/TOOLCHAINS_READY" | tail -1)
  [ -n "$v" ] || { echo "samples/.work/TOOLCHAINS_READY has no $1= line" >&2; return 1; }
  echo "$v"
}

# version_ge A B: true when Go minor version A (e.g. 1.24) >= B.
version_ge() {
  local a=${1#1.} b=${2#1.}
  [ "${a%%.*}" -ge "${b%%.*}" ]
}

# free_port: a TCP port on 127.0.0.1 nobody listens on (16000–16999).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((16000 + RANDOM % 1000))
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  echo "no free port in 16000-16999" >&2
  return 1
}

# stop_group PID: stops a program started with setsid (PID leads its own process group) and
# everything it started: TERM to the group, KILL after 5 s.
stop_group() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_line FILE REGEX SECONDS PID: waits until a line of FILE matches REGEX; fails if PID exits
# first or the time runs out.
wait_line() {
  local file=$1 re=$2 secs=$3 pid=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    grep -Eq "$re" "$file" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the program exited before printing $re; its last output:" >&2
      tail -15 "$file" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "no line matching $re within $secs s; the program's last output:" >&2
  tail -15 "$file" >&2
  return 1
}

# deb_index: path of a file mapping each Go package directory of the Debian -dev packages in
# samples/.work/debs to "importpath package version" (rebuilt when PACKAGE_VERSIONS changes).
deb_index() {
  local idx="$work/deb-index.txt" key
  key=$(cat "$work/PACKAGE_VERSIONS" 2>/dev/null | md5sum | cut -c1-12)
  if [ ! -f "$idx" ] || [ "$(head -1 "$idx")" != "# $key" ]; then
    {
      echo "# $key"
      local deb pkg ver
      for deb in "$work"/debs/golang-*-dev_*.deb; do
        [ -f "$deb" ] || continue
        pkg=$(dpkg-deb -f "$deb" Package)
        ver=$(dpkg-deb -f "$deb" Version)
        dpkg-deb -c "$deb" | awk '{print $6}' | sed -n 's#^\./usr/share/gocode/src/\(.*\)/[^/]*\.go$#\1#p' |
          sort -u | sed "s#\$# $pkg $ver#"
      done
    } >"$idx.tmp"
    mv "$idx.tmp" "$idx"
  fi
  echo "$idx"
}
