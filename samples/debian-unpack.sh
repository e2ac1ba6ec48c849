#!/usr/bin/env bash
# debian-unpack.sh PKG[/SUITE] DEST: one Debian package, fetched through the private apt
# configuration samples/toolchain.sh sets up under samples/.work/apt (the system's apt state is
# never touched and nothing is installed), downloaded once into samples/.work/debs and unpacked
# with `dpkg -x` into DEST, with its version in DEST/VERSION. Prints the .deb's path. The tools
# the tests and the benchmarks run beside ours (Prometheus, panicparse) come this way.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: debian-unpack.sh PKG[/SUITE] DEST" >&2; exit 2; }
pkg=$1
dest=$2
here=$(cd "$(dirname "$0")" && pwd)
work="$here/.work"
apt="$work/apt"
[ -f "$apt/sources.list" ] || bash "$here/toolchain.sh" >&2
APT=(-oDir::Etc::SourceList="$apt/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$apt/lists" -oDir::Cache="$apt/cache" -oAPT::Sandbox::User=root
  -oDir::Cache::pkgcache=pkgcache.bin -oDir::Cache::srcpkgcache=srcpkgcache.bin)
mkdir -p "$work/debs" "$dest"
deb_of() { ls "$work/debs/${pkg%%/*}_"*.deb 2>/dev/null | head -1 || true; }
deb=$(deb_of)
if [ -z "$deb" ]; then
  (cd "$work/debs" && apt-get "${APT[@]}" -qq download "$pkg") >&2
  deb=$(deb_of)
fi
dpkg -x "$deb" "$dest"
dpkg-deb -f "$deb" Version >"$dest/VERSION"
echo "$deb"
