#!/usr/bin/env bash
# Installs the Go toolchains the samples are built with, from Debian's archive, into the
# git-ignored samples/.work/ (never into /): Go 1.19 (bookworm), 1.24 (trixie), 1.26 and 1.27
# (sid), plus the Go libraries the samples use (lib/pq, go-sql-driver/mysql, pgx v5 with
# puddle v2, pgx v4 with puddle v1, go-redis v9, grpc-go, go.uber.org/goleak, and every
# golang-*-dev package they depend on), laid out as one GOPATH, and bookworm's redis-server
# (run by servers/redis.sh).
# Uses a private apt configuration (sources, lists and cache under samples/.work/apt): the
# system's apt state is never touched and nothing is installed.
#
# Result:
#   samples/.work/go1.NN/bin/go     each toolchain (GOROOT = samples/.work/go1.NN)
#   samples/.work/gopath            GOPATH with src/github.com/jackc/pgx/v5/... and the rest
#   samples/.work/root/usr/bin/redis-server   (bookworm's, with the libraries it needs)
#   samples/.work/TOOLCHAINS_READY  name=path lines: go1.19=..., go1.24=..., go1.26=...,
#                                   go1.27=..., gopath=...
#   samples/.work/PACKAGE_VERSIONS  package=version of every .deb used
# Idempotent: what is already downloaded, unpacked or proven is skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work="$here/.work"
apt="$work/apt"
root="$work/root"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$work/debs" "$root/.unpacked" "$work/bin"
versions=(1.19 1.24 1.26 1.27)
# SAMPLES_GO_VERSIONS="1.27" and SAMPLES_GO_LIBS="golang-github-lib-pq-dev" narrow what is fetched
# (test/fleet/setup.sh on a clean machine); a narrowed run leaves out the proof builds below.
narrowed=""
if [ -n "${SAMPLES_GO_VERSIONS:-}" ]; then read -ra versions <<<"$SAMPLES_GO_VERSIONS"; narrowed=1; fi
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GONOSUMDB= GOSUMDB=off GOWORK=off

# --- private apt configuration, on the Debian mirror this machine already uses -------------
# The first Debian (not security) URI of an enabled source in /etc/apt, one-line or deb822.
mirror=$(
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cat "$f" && echo
  done | awk '
    /^[ \t]*#/ { next }
    /^[ \t]*deb[ \t]/ { # one-line form: deb [options] URI suite components
      for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i !~ /=/) break
      if ($(i + 1) !~ /-security$/ && $i ~ /^https?:\/\//) print $i
      next
    }
    /^[ \t]*$/ { if (uri != "" && suites !~ /-security/) print uri; uri = ""; suites = ""; next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { suites = $0 }
    END { if (uri != "" && suites !~ /-security/) print uri }' |
    grep -E '/debian/?$' | head -1 || true
)
mirror=${mirror%/}
[ -n "$mirror" ] || { echo "toolchain.sh: no Debian mirror found in /etc/apt" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt/sources.list.new" <<LIST
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror sid main
LIST
if ! cmp -s "$apt/sources.list.new" "$apt/sources.list" 2>/dev/null; then
  mv "$apt/sources.list.new" "$apt/sources.list"
  rm -f "$apt/lists/.updated"
else
  rm -f "$apt/sources.list.new"
fi
APT=(-oDir::Etc::SourceList="$apt/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache" -oAPT::Sandbox::User=root
  -oDir::Cache::pkgcache=pkgcache.bin -oDir::Cache::srcpkgcache=srcpkgcache.bin)
if [ ! -f "$apt/lists/.updated" ] || [ -n "$(find "$apt/lists/.updated" -mmin +1440 2>/dev/null)" ]; then
  apt-get "${APT[@]}" -qq update
  touch "$apt/lists/.updated"
fi

# fetch PKG[/SUITE]...: download each package once into .work/debs (from SUITE when given,
# else the newest) and unpack it once into .work/root.
deb_of() { ls "$work/debs/${1%%/*}_"*.deb 2>/dev/null | head -1 || true; }
fetch() {
  local pkg deb stamp
  for pkg in "$@"; do
    deb=$(deb_of "$pkg")
    if [ -z "$deb" ]; then
      (cd "$work/debs" && apt-get "${APT[@]}" -qq download "$pkg") || return 1
      deb=$(deb_of "$pkg")
    fi
    stamp="$root/.unpacked/$(basename "$deb")"
    [ -f "$stamp" ] && continue
    # unpacked by an earlier run that kept no stamp: every path of the package is there
    if ! dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -t 2>/dev/null | sed 's#^\./##; /^$/d' |
      while IFS= read -r p; do [ -e "$root/$p" ] || [ -L "$root/$p" ] || exit 1; done; then
      dpkg -x "$deb" "$root"
    fi
    : >"$stamp"
  done
}

# write_ready LINE...: replace TOOLCHAINS_READY atomically (others may be reading it).
write_ready() {
  printf '%s\n' "$@" >"$work/TOOLCHAINS_READY.tmp"
  mv "$work/TOOLCHAINS_READY.tmp" "$work/TOOLCHAINS_READY"
}

# --- Go toolchains ----------------------------------------------------------------------------
ready=()
for v in "${versions[@]}"; do
  fetch "golang-$v-go" "golang-$v-src"
  ln -sfn "root/usr/lib/go-$v" "$work/go$v"
  go="$work/go$v/bin/go"
  got=$(GOROOT="$work/go$v" GOCACHE="$work/cache-$v" "$go" version)
  case "$got" in "go version go$v"[.\ ]*) ;; *) echo "toolchain.sh: $go says: $got" >&2; exit 1 ;; esac
  GOROOT="$work/go$v" "$go" env GOROOT >/dev/null
  # pprof and trace: prebuilt up to Go 1.24; newer Debian packages leave them out and
  # `go tool` builds them from GOROOT/src/cmd (vendored, so offline) on first use.
  for tool in pprof trace; do
    bin=$(cd "$work" && GOROOT="$work/go$v" GOCACHE="$work/cache-$v" GOPATH="$work/gopath" "$go" tool -n "$tool")
    [ -x "$bin" ] || { echo "toolchain.sh: go$v has no runnable $tool ($bin)" >&2; exit 1; }
  done
  ready+=("go$v=$go")
done
[ -f "$work/TOOLCHAINS_READY" ] && grep -q '^gopath=' "$work/TOOLCHAINS_READY" && [ -d "$work/gopath/src" ] &&
  ready_gopath=1 || ready_gopath=
# the toolchains work: tell the others now (the GOPATH line comes once the libraries are in)
[ -n "$ready_gopath" ] && write_ready "${ready[@]}" "gopath=$work/gopath" || write_ready "${ready[@]}"

# --- Go libraries, as Debian's golang-*-dev sources, with their golang-*-dev dependencies ----
libs=(golang-github-lib-pq-dev golang-github-go-sql-driver-mysql-dev
  golang-github-jackc-pgx-v5-dev golang-github-jackc-puddle-v2-dev
  golang-github-jackc-pgx-v4-dev golang-github-jackc-puddle-dev
  golang-github-redis-go-redis-dev golang-google-grpc-dev
  golang-uber-goleak-dev)
if [ -n "${SAMPLES_GO_LIBS:-}" ]; then read -ra libs <<<"$SAMPLES_GO_LIBS"; narrowed=1; fi
# resolve NAME: the real package for a dependency name (a virtual one, such as golang-pq-dev,
# by its first provider), or nothing
resolve() {
  local policy
  [ -n "$(deb_of "$1")" ] && { echo "$1"; return; }
  policy=$(apt-cache "${APT[@]}" policy "$1" 2>/dev/null || true)
  if [[ $policy == *"Candidate: "[0-9]* ]]; then
    echo "$1"
  else
    apt-cache "${APT[@]}" showpkg "$1" 2>/dev/null | awk '/^Reverse Provides:/ { p = 1; next } p && NF { print $1; exit }' || true
  fi
}
declare -A seen=()
queue=("${libs[@]}")
missing=()
while [ ${#queue[@]} -gt 0 ]; do
  pkg=${queue[0]}
  queue=("${queue[@]:1}")
  [ -n "${seen[$pkg]:-}" ] && continue
  seen[$pkg]=1
  real=$(resolve "$pkg")
  if [ -z "$real" ] || ! fetch "$real"; then
    echo "toolchain.sh: warning: $pkg is not in the archive" >&2
    missing+=("$pkg")
    continue
  fi
  seen[$real]=1
  # the Go source packages among the dependencies (golang-go and the like are not -dev);
  # of alternatives, the first
  deps=$(dpkg-deb -f "$(deb_of "$real")" Depends 2>/dev/null | tr ',' '\n' | sed 's/[(|].*//; s/[[:space:]]//g' |
    grep -E '^golang-.*-dev$' || true)
  for d in $deps; do queue+=("$d"); done
done
# One GOPATH: Debian installs Go sources under /usr/share/gocode/src. pgx v4 and v5 live at
# different import paths (.../pgx/v4, .../pgx/v5), and so do puddle v1 and v2
# (.../puddle, .../puddle/v2), so they share it.
mkdir -p "$work/gopath"
ln -sfn ../root/usr/share/gocode/src "$work/gopath/src"
[ -n "$narrowed" ] || [ -d "$work/gopath/src/github.com/jackc/pgx/v5/pgxpool" ] || { echo "toolchain.sh: pgx v5 missing from the GOPATH" >&2; exit 1; }
# Debian installs go-redis v9 (module github.com/redis/go-redis/v9) at .../redis/go-redis, without
# the /v9 its own imports name: a link v9 -> . gives GOPATH mode the module's import paths (and
# the stacks the function names a module build has).
for m in github.com/redis/go-redis/v9; do
  d="$work/gopath/src/${m%/v*}"
  if [ -f "$d/go.mod" ] && grep -qx "module $m" "$d/go.mod" && [ ! -e "$d/${m##*/}" ]; then
    ln -s . "$d/${m##*/}"
  fi
done

# --- redis-server: bookworm's, unpacked (servers/redis.sh runs it with LD_LIBRARY_PATH pointed at
# .work/root's libraries); libc, libssl, libsystemd and libatomic come from the system ----------
fetch redis-server/bookworm redis-tools/bookworm libjemalloc2/bookworm liblzf1/bookworm
[ -x "$root/usr/bin/redis-check-rdb" ] || { echo "toolchain.sh: redis-tools did not unpack" >&2; exit 1; }

for deb in "$work"/debs/*.deb; do
  printf '%s=%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
done | sort >"$work/PACKAGE_VERSIONS"
write_ready "${ready[@]}" "gopath=$work/gopath"

# SAMPLES_PROOF=0 leaves out the proof below (test/fleet/setup.sh: it builds what it runs anyway)
if [ "${SAMPLES_PROOF:-1}" = 0 ] || [ -n "$narrowed" ]; then
  echo "toolchain.sh: $(for v in "${versions[@]}"; do "$work/go$v/bin/go" version | awk '{printf "%s ", $3}'; done)| $(wc -l <"$work/PACKAGE_VERSIONS") packages | proof builds left out (SAMPLES_PROOF=0)"
  exit 0
fi

# --- proof: GOPATH-mode builds that import the libraries -----------------------------------------
# One program per library and one with all of them, built with each toolchain; what needs a
# newer Go than a toolchain has is reported (samples/README.md keeps the table).
proof="$work/proof"
declare -A imports=(
  [pq]='_ "github.com/lib/pq"'
  [mysql]='_ "github.com/go-sql-driver/mysql"'
  [pgx4]='_ "github.com/jackc/pgx/v4/pgxpool"'
  [pgx5]='_ "github.com/jackc/pgx/v5/pgxpool"'
  [redis]='_ "github.com/redis/go-redis/v9"'
  [grpc]='_ "google.golang.org/grpc"; _ "google.golang.org/grpc/health"'
)
imports[all]="${imports[pq]}; ${imports[mysql]}; ${imports[pgx4]}; ${imports[pgx5]}; ${imports[redis]}; ${imports[grpc]}"
for prog in pq mysql pgx4 pgx5 redis grpc all; do
  mkdir -p "$proof/src/db$prog"
  printf 'package main\n\nimport (\n\t"database/sql"\n\t"fmt"\n\n\t%s\n)\n\nfunc main() { fmt.Println(sql.Drivers()) }\n' \
    "$(echo "${imports[$prog]}" | sed 's/; /\n\t/g')" >"$proof/src/db$prog/main.go.new"
  cmp -s "$proof/src/db$prog/main.go.new" "$proof/src/db$prog/main.go" 2>/dev/null || mv "$proof/src/db$prog/main.go.new" "$proof/src/db$prog/main.go"
  rm -f "$proof/src/db$prog/main.go.new"
done
# build VERSION PROGRAM: 0 when it builds; the outcome is kept until the packages change
build() {
  local v=$1 prog=db$2 key stamp
  key=$(cat "$work/PACKAGE_VERSIONS" "$proof/src/$prog/main.go" | md5sum | cut -c1-12)
  stamp="$proof/$prog-$v.$key"
  if [ ! -f "$stamp.ok" ] && [ ! -f "$stamp.fail" ]; then
    rm -f "$proof/$prog-$v".*.ok "$proof/$prog-$v".*.fail
    if (cd "$proof/src/$prog" && GO111MODULE=off GOROOT="$work/go$v" GOPATH="$proof:$work/gopath" \
      GOCACHE="$work/cache-$v" "$work/go$v/bin/go" build -o "$work/bin/proof-$prog-$v" .) >"$proof/$prog-$v.log" 2>&1; then
      : >"$stamp.ok"
    else
      : >"$stamp.fail"
    fi
  fi
  [ -f "$stamp.ok" ]
}
summary=()
for v in "${versions[@]}"; do
  ok=() no=()
  for lib in pq mysql pgx4 pgx5 redis grpc; do
    if build "$v" "$lib"; then ok+=("$lib"); else no+=("$lib"); fi
  done
  line="go$v builds ${ok[*]:-nothing}"
  [ ${#no[@]} -gt 0 ] && line+=" (not ${no[*]})"
  summary+=("$line")
done
# what the samples rely on: everything with Go 1.26 and 1.27, everything but pgx v5 with Go
# 1.24 (Debian's pgx v5 uses sync.WaitGroup.Go, new in Go 1.25), lib/pq with Go 1.19 (the
# mysql driver imports maps, Go 1.21; x/crypto, under pgx v4, imports crypto/pbkdf2, Go 1.24)
need() { build "$1" "$2" || { echo "toolchain.sh: $2 does not build with Go $1:" >&2; tail -5 "$proof/db$2-$1.log" >&2; exit 1; }; }
need 1.27 all
need 1.26 all
need 1.24 pq
need 1.24 mysql
need 1.24 pgx4
need 1.19 pq

echo "toolchain.sh: $(for v in "${versions[@]}"; do "$work/go$v/bin/go" version | awk '{printf "%s ", $3}'; done)| $(wc -l <"$work/PACKAGE_VERSIONS") packages | $(printf '%s; ' "${summary[@]}" | sed 's/; $//')${missing:+ | missing: ${missing[*]}}"
