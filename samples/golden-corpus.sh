#!/usr/bin/env bash
# Regenerates test/golden/corpus/: what Go 1.24's `go tool pprof` says about every profile of
# the shared corpus (../shared/corpus, or $CORPUS), so that tests can hold the decoders to it.
# For each profile whose MANIFEST.tsv kind is pprof-*, legacy-cpu-binary, text-*-legacy,
# text-legacy-other or text-goroutine-debug1 (the .string/.protoc.txt/.pprof.txt text
# renderings are left out), it writes, mirroring the corpus path:
#   <path>.summary.json  the figures tests compare (format: test/golden/README.md)
#   <path>.raw.txt       `go tool pprof -raw` output, when under 1 MB
#   <path>.top.txt       `go tool pprof -top` output, for the pprof-* kinds
#   <path>.error.txt     instead of all of the above, what go tool pprof said when it failed
# The summary is read off the -raw text; the same figures are also taken with the profile
# package go tool pprof is built from (vendored in GOROOT), and the script stops if they
# disagree. durationNanos comes from the latter: -raw prints the duration cut to 4 characters.
# Needs samples/toolchain.sh (run first if samples/.work/TOOLCHAINS_READY is missing) and node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
corpus=$(cd "${CORPUS:-$repo/../shared/corpus}" && pwd)
out="$repo/test/golden/corpus"
work="$here/.work"
[ -f "$work/TOOLCHAINS_READY" ] || bash "$here/toolchain.sh"
go=$(sed -n 's/^go1\.24=//p' "$work/TOOLCHAINS_READY")
goroot=$(dirname "$(dirname "$go")")
export GOTOOLCHAIN=local GOFLAGS= GOPROXY=off GOROOT="$goroot" GOCACHE="$work/cache-1.24" TZ=UTC HOME="$work"
pprof=$(cd "$work" && "$go" tool -n pprof)
raw_limit=1048576

# profile-figures: the figures straight from github.com/google/pprof/profile
gp="$work/gopath-golden"
rm -rf "$gp/src/github.com/google/pprof/profile"
mkdir -p "$gp/src/github.com/google/pprof" "$gp/src/profile-figures"
cp -r "$goroot/src/cmd/vendor/github.com/google/pprof/profile" "$gp/src/github.com/google/pprof/"
cat >"$gp/src/profile-figures/main.go" <<'GO'
// Command profile-figures prints, for each profile named, one JSON line with the figures
// test/golden/README.md describes, as github.com/google/pprof/profile parses them.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/google/pprof/profile"
)

type valueType struct {
	Type string `json:"type"`
	Unit string `json:"unit"`
}

type figures struct {
	Path          string      `json:"path"`
	Error         string      `json:"error,omitempty"`
	SampleTypes   []valueType `json:"sampleTypes"`
	Samples       int         `json:"samples"`
	Totals        []string    `json:"totals"` // decimal, exact
	PeriodType    *valueType  `json:"periodType"`
	Period        int64       `json:"period"`
	DurationNanos int64       `json:"durationNanos"`
	DurationText  string      `json:"durationText"` // as -raw prints it
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[1:] {
		fg := figures{Path: path, SampleTypes: []valueType{}, Totals: []string{}}
		f, err := os.Open(path)
		if err == nil {
			var p *profile.Profile
			p, err = profile.Parse(f)
			f.Close()
			if err == nil {
				for _, st := range p.SampleType {
					fg.SampleTypes = append(fg.SampleTypes, valueType{st.Type, st.Unit})
				}
				sums := make([]int64, len(p.SampleType))
				for _, s := range p.Sample {
					for i, v := range s.Value {
						sums[i] += v
					}
				}
				for _, v := range sums {
					fg.Totals = append(fg.Totals, strconv.FormatInt(v, 10))
				}
				fg.Samples = len(p.Sample)
				if p.PeriodType != nil {
					fg.PeriodType = &valueType{p.PeriodType.Type, p.PeriodType.Unit}
				}
				fg.Period = p.Period
				fg.DurationNanos = p.DurationNanos
				if p.DurationNanos != 0 {
					fg.DurationText = fmt.Sprintf("%.4v", time.Duration(p.DurationNanos))
				}
			}
		}
		if err != nil {
			fg.Error = err.Error()
		}
		if err := enc.Encode(&fg); err != nil {
			panic(err)
		}
	}
}
GO
(cd "$gp/src/profile-figures" && GO111MODULE=off GOPATH="$gp" "$go" build -o "$work/bin/profile-figures" .)

# summarize RAW FIGURES: the summary JSON, read off the -raw text, checked against FIGURES
summarize() {
  node -e '
const fs = require("node:fs");
const [rawFile, figuresJson] = process.argv.slice(1);
const lines = fs.readFileSync(rawFile, "utf8").split("\n");
const fig = JSON.parse(figuresJson);
const si = lines.indexOf("Samples:");
if (si < 0) throw new Error(`${rawFile}: no Samples: line`);
let periodType = null, period = null, durationText = "";
for (const l of lines.slice(0, si)) {
  let m;
  if ((m = /^PeriodType: (.*) (.*)$/.exec(l))) periodType = { type: m[1], unit: m[2] };
  else if ((m = /^Period: (-?\d+)$/.exec(l))) period = Number(m[1]);
  else if ((m = /^Duration: (.*)$/.exec(l))) durationText = m[1];
}
// "type/unit[dflt] type/unit ..." (the unit itself has no "/")
const sampleTypes = lines[si + 1].split(" ").filter((t) => t !== "").map((t) => {
  const c = t.replace(/\[dflt\]$/, ""), k = c.lastIndexOf("/");
  return { type: c.slice(0, k), unit: c.slice(k + 1) };
});
// each sample: " %10d" per value, then ": " and the location ids; its label and numeric label
// lines follow, indented by 16 spaces and never of the form "<ints>:"
const totals = sampleTypes.map(() => 0n);
let samples = 0, i = si + 2;
for (; i < lines.length && lines[i] !== "Locations"; i++) {
  const m = /^((?: +-?\d+)+): (?:\d+ )*$/.exec(lines[i]);
  if (!m) continue;
  const vs = m[1].trim().split(/ +/);
  if (vs.length !== sampleTypes.length) throw new Error(`${rawFile}: ${vs.length} values under ${sampleTypes.length} types: ${lines[i]}`);
  vs.forEach((v, j) => { totals[j] += BigInt(v); });
  samples++;
}
if (i === lines.length) throw new Error(`${rawFile}: no Locations line`);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const want = { sampleTypes: fig.sampleTypes, samples: fig.samples, totals: fig.totals, periodType: fig.periodType, period: fig.period, durationText: fig.durationText };
const got = { sampleTypes, samples, totals: totals.map(String), periodType, period, durationText };
for (const k of Object.keys(want)) {
  if (!same(want[k], got[k])) throw new Error(`${fig.path}: ${k} is ${JSON.stringify(got[k])} in -raw but ${JSON.stringify(want[k])} in the profile package`);
}
for (const t of totals) if (t > BigInt(Number.MAX_SAFE_INTEGER) || t < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${fig.path}: total ${t} is past 2^53`);
process.stdout.write(JSON.stringify({ sampleTypes, samples, totals: totals.map(Number), periodType, period, durationNanos: fig.durationNanos }) + "\n");
' "$1" "$2"
}

kinds='^(pprof-|legacy-cpu-binary$|text-heap-legacy$|text-contention-legacy$|text-threadcreate-legacy$|text-legacy-other$|text-goroutine-debug1$)'
list=$(awk -F'\t' -v k="$kinds" 'NR > 1 && $6 ~ k && $1 !~ /\.(string|protoc\.txt|pprof\.txt)$/ { print $1 "\t" $6 }' "$corpus/MANIFEST.tsv")
[ -n "$list" ] || { echo "golden-corpus.sh: no profiles listed in $corpus/MANIFEST.tsv" >&2; exit 1; }
tmp="$work/golden-tmp"
rm -rf "$out" "$tmp"
mkdir -p "$out" "$tmp"
cd "$corpus" # relative paths, so that nothing machine-specific lands in the goldens
n=0 rejected=0 raws=0
while IFS=$'\t' read -r rel kind; do
  dest="$out/$rel"
  mkdir -p "$(dirname "$dest")"
  if "$pprof" -raw "$rel" >"$tmp/raw" 2>"$tmp/err"; then
    summarize "$tmp/raw" "$("$work/bin/profile-figures" "$rel")" >"$dest.summary.json"
    if [ "$(stat -c %s "$tmp/raw")" -lt "$raw_limit" ]; then
      cp "$tmp/raw" "$dest.raw.txt"
      raws=$((raws + 1))
    fi
    if [[ $kind == pprof-* ]]; then
      "$pprof" -top "$rel" >"$dest.top.txt" 2>/dev/null
    fi
  else
    cp "$tmp/err" "$dest.error.txt"
    rejected=$((rejected + 1))
  fi
  n=$((n + 1))
done <<<"$list"
rm -rf "$tmp"
echo "golden-corpus.sh: $n profiles: $((n - rejected)) summaries ($raws with -raw text), $rejected rejected by go tool pprof; $("$go" version | cut -d' ' -f3); $(du -sh "$out" | cut -f1)"
