#!/usr/bin/env bash
# Whole-process comparison of `shadowai scan` with what an analyst would otherwise run.
#
#   benches/compare.sh [LINES] [RUNS]        (defaults: 1500000 lines, 5 runs; medians printed)
#
# It generates a deterministic Squid access.log with the project's generator
# (examples/generate.rs), gzips it, and times, in one run:
#   shadowai scan (plain), shadowai scan (gzip), zcat FILE > /dev/null,
#   rg -c -F -f <AI hosts> (when ripgrep is installed),
#   a DuckDB SQL query computing the same per-user x AI-tool counts (when the duckdb Python
#   package is installed).
# Install hints: apt-get install -y ripgrep; pip install duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-1500000}"
runs="${2:-5}"
work="${TMPDIR:-/tmp}/shadowai-compare"
mkdir -p "$work"

cargo build --release --quiet --example generate
cargo build --release --quiet
bin=target/release/shadowai
gen=target/release/examples/generate

log="$work/access.log"
if [ ! -s "$log.$lines" ]; then
    echo "generating $lines Squid lines..." >&2
    "$gen" squid "$lines" 1 > "$log.$lines"
    gzip -c -6 "$log.$lines" > "$log.$lines.gz"
fi
"$gen" ai-hosts > "$work/ai-hosts.txt"
plain="$log.$lines"
gz="$log.$lines.gz"

# Median wall time of a command, in seconds.
median() {
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

peak_rss_mib() {
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); input: $lines lines, $(du -m "$plain" | cut -f1) MB plain, $(du -m "$gz" | cut -f1) MB gzip"
t_plain=$(median "$bin" scan -q "$plain" --out "$work/out-plain")
t_gz=$(median "$bin" scan -q "$gz" --out "$work/out-gz")
t_zcat=$(median sh -c "zcat '$gz' > /dev/null")
printf '%-40s %8.3f s\n' "shadowai scan (plain)" "$t_plain" "shadowai scan (gzip)" "$t_gz" "zcat > /dev/null" "$t_zcat"
printf '%-40s %8.2f   (target <= 0.70)\n' "ratio gzip scan / zcat" "$(echo "$t_gz / $t_zcat" | bc -l)"
printf '%-40s %8s MiB plain, %s MiB gzip (target <= 200)\n' "peak RSS" "$(peak_rss_mib "$bin" scan -q "$plain" --out "$work/out-rss")" "$(peak_rss_mib "$bin" scan -q "$gz" --out "$work/out-rss")"
if command -v rg > /dev/null; then
    t_rg=$(median rg -c -F -f "$work/ai-hosts.txt" "$plain")
    printf '%-40s %8.3f s   (shadowai plain / rg = %.2f)\n' "rg -c -F -f ai-hosts (plain)" "$t_rg" "$(echo "$t_plain / $t_rg" | bc -l)"
else
    echo "rg: not installed (apt-get install -y ripgrep)"
fi
if python3 -c 'import duckdb' 2> /dev/null; then
    cat > "$work/duck.py" <<PY
import duckdb, sys
con = duckdb.connect()
con.execute("CREATE TABLE ai AS SELECT column0 AS host FROM read_csv('$work/ai-hosts.txt', header=false, columns={'column0': 'VARCHAR'})")
rows = con.execute("""
WITH f AS (
  SELECT regexp_split_to_array(trim(line), ' +') AS a
  FROM read_csv('$plain', header=false, delim='\x01', quote='', escape='', columns={'line': 'VARCHAR'})
), e AS (
  SELECT CASE WHEN a[8] = '-' THEN a[3] ELSE lower(a[8]) END AS usr,
         lower(regexp_extract(a[7], '^(?:[a-zA-Z]+://)?([^/:?]+)', 1)) AS host
  FROM f
)
SELECT usr, ai.host, count(*) FROM e JOIN ai ON e.host = ai.host OR e.host LIKE '%.' || ai.host
GROUP BY ALL
""").fetchall()
print(len(rows))
PY
    t_duck=$(median python3 "$work/duck.py")
    printf '%-40s %8.3f s   (shadowai plain / duckdb = %.3f, target <= 0.15)\n' "duckdb per-user x tool query (plain)" "$t_duck" "$(echo "$t_plain / $t_duck" | bc -l)"
else
    echo "duckdb: not installed (pip install duckdb)"
fi
for j in 1 2; do
    printf '%-40s %8.3f s\n' "shadowai scan (plain, --threads $j)" "$(median "$bin" scan -q -j "$j" "$plain" --out "$work/out-j$j")"
done

# Scaling out (docs/scaling-out.md): the map step (`scan --emit-partial`) and the reduce step
# (`merge`) against a plain scan, on the Squid file (users named in the log) and on a Zeek DNS
# log of the same line count (client addresses only: without --identity a partial keeps each
# address at the second it was seen, so `merge --identity` stays exact).
dns="$work/dns.log.$lines"
[ -s "$dns" ] || "$gen" zeek-dns "$lines" 1 > "$dns"
for input in "$plain" "$dns"; do
    name=$(basename "$input")
    t_scan=$(median "$bin" scan -q "$input" --out "$work/out-scan")
    t_emit=$(median "$bin" scan -q "$input" --emit-partial "$work/part.tsv")
    t_merge=$(median "$bin" merge "$work/part.tsv" --out "$work/out-merge")
    diff -r "$work/out-scan" "$work/out-merge" > /dev/null || echo "merge differs from scan on $name!" >&2
    printf '%-40s %8.3f s scan, %.3f s emit-partial, %.3f s merge; partial %s MB, %s records, %s MiB peak RSS (emit)\n' \
        "$name ($(du -m "$input" | cut -f1) MB)" "$t_scan" "$t_emit" "$t_merge" \
        "$(du -m "$work/part.tsv" | cut -f1)" "$(wc -l < "$work/part.tsv")" \
        "$(peak_rss_mib "$bin" scan -q "$input" --emit-partial "$work/part.tsv")"
done
