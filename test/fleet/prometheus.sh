#!/usr/bin/env bash
# Debian's prometheus package, unpacked privately under samples/.work/prometheus
# (samples/debian-unpack.sh; never into /). Idempotent. Prints the path of the prometheus binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/../../samples" && pwd)
dest="$samples/.work/prometheus"
bin="$dest/usr/bin/prometheus"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
bash "$samples/debian-unpack.sh" prometheus/sid "$dest" >/dev/null
"$bin" --version >/dev/null
echo "$bin"
