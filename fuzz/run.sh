#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each; `fuzz/run.sh 300` for longer).
# Corpora are seeded from sample-logs/, signatures/, a small register, a partial of sample-logs
# and the regression cases kept in fuzz/seeds/<target>/ (inputs that once crashed, stalled or
# lost data: extreme timestamps, damaged gzip, inconsistent partials, large registers). A crash leaves its input under
# fuzz/artifacts/<target>/: add it as a regression test before fixing.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz wants nightly-only sanitizer flags;
# on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1

seed() {
    local target=$1; shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        # One seed file per sample, capped to keep libFuzzer's inputs small.
        head -c 4096 "$f" > "corpus/$target/$(echo "$f" | tr '/' '_')"
    done
}

samples=$(find ../sample-logs -type f | sort)
i=0
mkdir -p corpus/parsers
for f in $samples; do
    # The parsers target takes its format from the first byte: seed every format with its sample.
    for n in $(seq 0 31); do
        { printf "\\x$(printf %02x "$n")"; head -c 4096 "$f"; } > "corpus/parsers/seed-$i-$n"
    done
    i=$((i + 1))
done
mkdir -p corpus/scan
for f in $samples; do
    # The scan target's first byte picks plain or gzip (and a damage), the second where.
    name=$(echo "$f" | tr '/' '_')
    { printf '\x00\x00'; head -c 4096 "$f"; } > "corpus/scan/plain$name"
    { printf '\x01\x00'; head -c 4096 "$f"; } > "corpus/scan/gzip$name"
done
seed detect $samples
seed lines $samples
seed signatures ../signatures/*.toml
mkdir -p corpus/register
printf 'Tool ID,Tool,Tier,Assessment Date,Domains\nchatgpt,ChatGPT,Tier 1,2026-01-01,\n,"Claude, by Anthropic",2,01.02.2026,"a.example; b.example"\n' \
    > corpus/register/seed.csv

mkdir -p corpus/partial
(cd .. && cargo run --quiet --release -- scan sample-logs --quiet --emit-partial fuzz/corpus/partial/sample.tsv) || true
# Whole lines only: a partial whose last record has no line end is refused as cut short.
head -c 4096 corpus/partial/sample.tsv | sed '$d' > corpus/partial/seed.tsv && rm -f corpus/partial/sample.tsv

for dir in seeds/*/; do
    target=$(basename "$dir")
    mkdir -p "corpus/$target"
    cp "$dir"* "corpus/$target/"
done

for target in parsers detect lines signatures register partial scan; do
    echo "== $target: ${seconds}s"
    cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=8192 2>&1 \
        | grep -E "^(#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY|Done)" || true
    if ls "artifacts/$target"/crash-* >/dev/null 2>&1; then
        echo "crash found in $target: see fuzz/artifacts/$target" >&2
        exit 1
    fi
done
