#!/usr/bin/env bash
# Installs the Go toolchains the samples are built with, from Debian's archive, into the
# git-ignored samples/.work/ (never into /): Go 1.19 (bookworm), 1.24 (trixie), 1.26 and 1.27
# (sid), plus the Go libraries the database scenarios use, as Debian's golang-*-dev sources,
# laid out as a GOPATH. Uses a private apt configuration; the system's apt state is untouched.
# Idempotent. Writes samples/.work/TOOLCHAINS_READY (name=path lines) when done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work="$here/.work"
apt="$work/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$work/debs" "$work/root"

# The mirror this machine already uses.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
  grep -vE '^\s*#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
mirror=${mirror%/}
[ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt/sources.list" <<LIST
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror sid main
LIST
APT=(-oDir::Etc::SourceList="$apt/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache" -oAPT::Sandbox::User=root)

if [ ! -f "$apt/lists/.updated" ] || [ -n "$(find "$apt/lists/.updated" -mmin +1440 2>/dev/null)" ]; then
  apt-get "${APT[@]}" -qq update
  touch "$apt/lists/.updated"
fi

fetch() { # fetch PKG...: download (once) and unpack into samples/.work/root
  local pkg
  for pkg in "$@"; do
    if ! ls "$work/debs/${pkg}_"*.deb >/dev/null 2>&1; then
      (cd "$work/debs" && apt-get "${APT[@]}" -qq download "$pkg")
    fi
    dpkg -x "$(ls "$work/debs/${pkg}_"*.deb | head -1)" "$work/root"
  done
}

ready="$work/TOOLCHAINS_READY.tmp"
: >"$ready"
for v in 1.19 1.24 1.26 1.27; do
  fetch "golang-$v-go" "golang-$v-src"
  go="$work/root/usr/lib/go-$v/bin/go"
  GOROOT="$work/root/usr/lib/go-$v" "$go" version >/dev/null
  echo "go$v=$go" >>"$ready"
done

# Go libraries for the database scenarios, with their golang-*-dev dependencies.
libs=(golang-github-lib-pq-dev golang-github-go-sql-driver-mysql-dev
  golang-github-jackc-pgx-v5-dev golang-github-jackc-puddle-v2-dev
  golang-github-jackc-pgx-v4-dev golang-github-jackc-puddle-dev)
declare -A seen=()
queue=("${libs[@]}")
while [ ${#queue[@]} -gt 0 ]; do
  pkg=${queue[0]}
  queue=("${queue[@]:1}")
  [ -n "${seen[$pkg]:-}" ] && continue
  seen[$pkg]=1
  fetch "$pkg" || { echo "warning: $pkg not available" >&2; continue; }
  deb=$(ls "$work/debs/${pkg}_"*.deb | head -1)
  deps=$(dpkg-deb -f "$deb" Depends 2>/dev/null | tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep -E '^golang-.*-dev$' | grep -vE '^golang-(go|any|src)$' || true)
  for d in $deps; do queue+=("$d"); done
done
echo "gopath=$work/root/usr/share/gocode" >>"$ready"
# exact versions, for the scenarios' records
for deb in "$work"/debs/*.deb; do
  printf '%s=%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
done | sort >"$work/PACKAGE_VERSIONS"
mv "$ready" "$work/TOOLCHAINS_READY"
echo "toolchains: $(grep -c '^go1' "$work/TOOLCHAINS_READY") Go versions, $(wc -l <"$work/PACKAGE_VERSIONS") packages in $work"
