#!/usr/bin/env bash
# Debian's panicparse (sid's build of maruel/panicparse), the peer of the debug=2 row, unpacked
# privately into bench/.work/panicparse/ (samples/debian-unpack.sh: nothing is installed).
# Prints the path of the binary. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/.work/panicparse"
bin="$dest/usr/bin/panicparse"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
deb=$(bash "$here/../samples/debian-unpack.sh" panicparse/sid "$dest")
[ -x "$bin" ] || { echo "panicparse.sh: $bin missing after unpacking $deb" >&2; exit 1; }
echo "$bin"
