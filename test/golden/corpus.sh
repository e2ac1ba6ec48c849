#!/usr/bin/env bash
# Regenerates test/golden/corpus/: what `go tool pprof -raw` says about every profile of the
# shared corpus. Needs Go (samples/toolchain.sh installs Debian's into samples/.work, or set GO).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=$(cd "$repo/../shared/corpus" && pwd)
out="$here/corpus"
GO=${GO:-}
if [ -z "$GO" ] && [ -f "$repo/samples/.work/TOOLCHAINS_READY" ]; then
  GO=$(sed -n 's/^go1\.24=//p' "$repo/samples/.work/TOOLCHAINS_READY" | head -1)
fi
GO=${GO:-go}
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
"$GO" version >/dev/null

rm -rf "$out"
kinds='^(pprof-|legacy-cpu-binary$|text-heap-legacy$|text-contention-legacy$|text-threadcreate-legacy$|text-legacy-other$|text-goroutine-debug1$)'
awk -F'\t' -v k="$kinds" 'NR > 1 && $6 ~ k { print $1 }' "$corpus/MANIFEST.tsv" |
  grep -Ev '\.(string|protoc\.txt|pprof\.txt)$' |
  while read -r rel; do
    dest="$out/$rel"
    mkdir -p "$(dirname "$dest")"
    if "$GO" tool pprof -raw "$corpus/$rel" >"$dest.raw.tmp" 2>"$dest.err.tmp"; then
      node "$here/summarize-raw.mjs" <"$dest.raw.tmp" >"$dest.summary.json"
      if [ "$(stat -c %s "$dest.raw.tmp")" -lt 262144 ]; then mv "$dest.raw.tmp" "$dest.raw.txt"; else rm "$dest.raw.tmp"; fi
      rm -f "$dest.err.tmp"
    else
      sed "s#$corpus/##g" "$dest.err.tmp" >"$dest.error.txt"
      rm -f "$dest.raw.tmp" "$dest.err.tmp"
    fi
  done
echo "golden files: $(find "$out" -name '*.summary.json' | wc -l) summaries, $(find "$out" -name '*.error.txt' | wc -l) rejected by go tool pprof ($("$GO" version))"
