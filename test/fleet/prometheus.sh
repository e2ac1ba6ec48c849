#!/usr/bin/env bash
# Fetches Debian's prometheus package with the samples' private apt configuration
# (samples/.work/apt, set up by samples/toolchain.sh) and unpacks it with dpkg -x under
# samples/.work/prometheus (never into /). Idempotent. Prints the path of the prometheus binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(cd "$here/../../samples" && pwd)/.work
apt="$work/apt"
dest="$work/prometheus"
bin="$dest/usr/bin/prometheus"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
[ -f "$apt/sources.list" ] || { echo "prometheus.sh: $apt/sources.list is missing: run samples/toolchain.sh first" >&2; exit 1; }
APT=(-oDir::Etc::SourceList="$apt/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache" -oAPT::Sandbox::User=root
  -oDir::Cache::pkgcache=pkgcache.bin -oDir::Cache::srcpkgcache=srcpkgcache.bin)
mkdir -p "$work/debs" "$dest"
deb=$(ls "$work/debs"/prometheus_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$work/debs" && apt-get "${APT[@]}" -qq download prometheus/sid)
  deb=$(ls "$work/debs"/prometheus_*.deb | head -1)
fi
dpkg -x "$deb" "$dest"
"$bin" --version >/dev/null
printf 'prometheus=%s\n' "$(dpkg-deb -f "$deb" Version)" >"$dest/VERSION"
echo "$bin"
