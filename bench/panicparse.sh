#!/usr/bin/env bash
# Fetches Debian's panicparse (sid's build of maruel/panicparse), the peer of the debug=2 row,
# through the private apt configuration samples/toolchain.sh sets up under samples/.work/apt
# (the system's apt state is never touched and nothing is installed), and unpacks it with
# `dpkg -x` into bench/.work/panicparse/. Prints the path of the binary. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples="$here/../samples"
apt="$samples/.work/apt"
dest="$here/.work/panicparse"
bin="$dest/usr/bin/panicparse"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
[ -f "$apt/sources.list" ] || bash "$samples/toolchain.sh" >&2
APT=(-oDir::Etc::SourceList="$apt/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache" -oAPT::Sandbox::User=root
  -oDir::Cache::pkgcache=pkgcache.bin -oDir::Cache::srcpkgcache=srcpkgcache.bin)
mkdir -p "$dest/debs"
deb=$(ls "$dest/debs"/panicparse_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$dest/debs" && apt-get "${APT[@]}" -qq download panicparse/sid) >&2
  deb=$(ls "$dest/debs"/panicparse_*.deb | head -1)
fi
dpkg -x "$deb" "$dest"
dpkg-deb -f "$deb" Version >"$dest/VERSION"
[ -x "$bin" ] || { echo "panicparse.sh: $bin missing after unpacking $deb" >&2; exit 1; }
echo "$bin"
