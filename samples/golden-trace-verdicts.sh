#!/usr/bin/env bash
# Regenerates test/golden/trace-verdicts.tsv: whether Go 1.27's own trace reader
# (`go tool trace -d=parsed`, the standard library's internal/trace) accepts each binary
# execution trace of the shared corpus (../shared/corpus, or $CORPUS) and of samples/, and if
# not, the error it gives. Traces are the MANIFEST.tsv rows of kind trace-old-* / trace-new-*
# and the fuzz inputs (`*.decoded.bin`) that start with a trace header, the samples' traces,
# and the damaged variants test/helpers/trace-mutants.mjs makes of a few of those (one byte
# overwritten, or one batch left out). One line per trace:
#   path <TAB> accepts|rejects <TAB> events read before the verdict <TAB> Go's error (or empty)
# Paths are relative to the corpus, start with samples/, or are a mutant's name
# (SOURCE#K@OFFSET=VALUE, SOURCE#drop-K@START+LENGTH). Not needed by `npm test`, which reads
# the committed file. Needs samples/toolchain.sh (run first if samples/.work/TOOLCHAINS_READY
# is missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus=$(cd "${CORPUS:-$repo/../shared/corpus}" && pwd)
out="$repo/test/golden/trace-verdicts.tsv"
work="$here/.work"
[ -f "$work/TOOLCHAINS_READY" ] || bash "$here/toolchain.sh"
go=$(sed -n 's/^go1\.27=//p' "$work/TOOLCHAINS_READY")
goroot=$(dirname "$(dirname "$go")")
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GOROOT="$goroot" GOCACHE="${GOCACHE:-$work/cache-1.27}" HOME="$work"
tool=$(cd "$work" && "$go" tool -n trace)

is_trace() { head -c 16 "$1" | LC_ALL=C grep -aq '^go 1\.[0-9]* trace'; }

files=()
while IFS=$'\t' read -r path _ _ _ _ kind _; do
  case "$kind" in
    trace-old-* | trace-new-*) files+=("$path") ;;
    invalid) [[ "$path" == *.decoded.bin ]] && is_trace "$corpus/$path" && files+=("$path") ;;
  esac
done < <(tail -n +2 "$corpus/MANIFEST.tsv")

verdict() { # verdict FILE NAME
  local err events
  err=$(mktemp)
  if events=$("$tool" -d=parsed "$1" 2>"$err" | awk '/^M=/ { n++ } END { print n + 0 }'); then
    printf '%s\taccepts\t%s\t\n' "$2" "$events"
  else
    printf '%s\trejects\t%s\t%s\n' "$2" "$events" "$(head -1 "$err" | tr '\t' ' ')"
  fi
  rm -f "$err"
}

mutants=$(mktemp -d)
trap 'rm -rf "$mutants"' EXIT
node --input-type=module -e '
  import { writeFileSync } from "node:fs";
  import { MUTANT_SOURCES, traceBatchDrops, traceMutants } from "'"$repo"'/test/helpers/trace-mutants.mjs";
  let k = 0;
  const all = MUTANT_SOURCES.flatMap((s) => [...traceMutants(process.argv[1], s), ...traceBatchDrops(process.argv[1], s)]);
  for (const m of all) {
    writeFileSync(`${process.argv[2]}/${String(k).padStart(5, "0")}`, m.bytes);
    writeFileSync(`${process.argv[2]}/${String(k++).padStart(5, "0")}.name`, m.name);
  }' "$repo" "$mutants"

tmp="$out.new"
{
  printf 'path\tgo\tevents\terror\n'
  for f in "${files[@]}"; do verdict "$corpus/$f" "$f"; done
  for f in "$here"/*/go1.*/trace.out; do verdict "$f" "samples/${f#"$here"/}"; done
  for f in "$mutants"/?????; do verdict "$f" "$(cat "$f.name")"; done
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out ($(($(wc -l <"$out") - 1)) traces, $(grep -c $'\trejects\t' "$out") rejected)" >&2
