#!/usr/bin/env bash
# Whole-process comparison of `shadowai scan` with what an analyst would otherwise run, on the
# org workload of issue 15, and the checks that the counts are exact.
#
#   benches/compare.sh [LINES] [RUNS] [PEOPLE...]
#
# Defaults (also settable as LINES, RUNS, PEOPLE in the environment; arguments win): 1,500,000
# lines, 5 runs (medians printed), PEOPLE="3000 30000". For each population it generates,
# with the project's generator (`examples/generate.rs org LINES 1 --people N`), a deterministic
# Squid access.log of a whole organisation (LINES lines over 14 days, 120 AI tools of the
# catalogue with Zipf popularity, ~15 % AI lines, a long tail of non-AI hosts with look-alike
# traps, one line in ten without a user name) and its ground truth, gzips it, and measures:
#   shadowai scan (plain), shadowai scan (gzip), zcat FILE > /dev/null,
#   a DuckDB SQL query computing the same per-user x AI-tool counts (the duckdb Python package),
#   rg -c -F -f <AI hosts> (ripgrep; counts lines only),
#   peak RSS of the plain and gzip scans (/usr/bin/time -f %M),
#   the plain scan with --threads 1 and --threads 2,
# prints the ratios against the issue's targets, and checks (PASS/FAIL; exit 1 if any fails):
# the --threads 1 and 2 output folders are byte-identical, per-user.csv equals the generator's
# truth, and the DuckDB query gives the same counts. Then the scale-out steps (scan
# --emit-partial, merge) on the first population's file and on a Zeek DNS log of LINES lines.
# Install hints: apt-get install -y ripgrep bc time; pip install duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-${LINES:-1500000}}"
runs="${2:-${RUNS:-5}}"
shift $(($# < 2 ? $# : 2))
people=("$@")
[ ${#people[@]} -gt 0 ] || read -r -a people <<< "${PEOPLE:-3000 30000}"
work="${TMPDIR:-/tmp}/shadowai-compare"
mkdir -p "$work"
# summary.json carries the generation time: fixed, so runs compare byte for byte.
export SOURCE_DATE_EPOCH=1796083200

for tool in bc python3 zcat gzip; do
    command -v "$tool" > /dev/null || { echo "compare.sh: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "compare.sh: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }
have_rg=$(command -v rg > /dev/null && echo 1 || echo 0)
have_duck=$(python3 -c 'import duckdb' 2> /dev/null && echo 1 || echo 0)

cargo build --release --quiet --example generate
cargo build --release --quiet
bin=target/release/shadowai
gen=target/release/examples/generate
"$gen" org-hosts > "$work/ai-hosts.txt"
"$gen" org-hosts --tools > "$work/ai-tools.csv"

failed=0
check() { # check NAME COMMAND...: PASS when the command succeeds.
    local name=$1
    shift
    if "$@" > "$work/check.log" 2>&1; then
        printf '  PASS  %s\n' "$name"
    else
        printf '  FAIL  %s\n' "$name"
        head -20 "$work/check.log" | sed 's/^/        /'
        failed=1
    fi
}

# Median wall time of a command, in seconds, after one untimed warm-up run (as hyperfine's
# --warmup: the first run pays for page-cache misses and cold code the others do not).
median() {
    local times=()
    "$@" > /dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# Median wall times of `BIN scan` on two logs, run in turn: "A B".
median_pair() {
    local bin=$1 a=$2 b=$3 ta=() tb=()
    for _ in $(seq "$runs"); do
        for which in a b; do
            local file start end
            file=$([ "$which" = a ] && echo "$a" || echo "$b")
            start=$(date +%s.%N)
            "$bin" scan -q "$file" --out "$work/out-pair" > /dev/null 2>&1
            end=$(date +%s.%N)
            if [ "$which" = a ]; then ta+=("$(echo "$end - $start" | bc -l)"); else tb+=("$(echo "$end - $start" | bc -l)"); fi
        done
    done
    local ma mb
    ma=$(printf '%s\n' "${ta[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    mb=$(printf '%s\n' "${tb[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$ma $mb"
}

peak_rss_mib() {
    /usr/bin/time -f '%M' "$@" 2>&1 > /dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'
}

# verdict VALUE LIMIT: "meets" or "MISSES" the target VALUE <= LIMIT.
verdict() {
    [ "$(echo "$1 <= $2" | bc -l)" = 1 ] && echo meets || echo MISSES
}

# Compares the user,tool_id,events columns of two CSV files (any other columns, any order).
cat > "$work/same_counts.py" << 'PY'
import csv, sys
def counts(path):
    with open(path, newline="") as f:
        rows = [(r["user"], r["tool_id"], int(r["events"])) for r in csv.DictReader(f)]
    return sorted(rows)
want, got = counts(sys.argv[1]), counts(sys.argv[2])
if want != got:
    w, g = set(want), set(got)
    print(f"{len(want)} rows wanted, {len(got)} got; {sum(n for *_, n in want)} events wanted, {sum(n for *_, n in got)} got")
    for r in sorted(w - g)[:5]: print("  missing:", r)
    for r in sorted(g - w)[:5]: print("  unexpected:", r)
    sys.exit(1)
print(f"{len(want)} (user, tool) rows, {sum(n for *_, n in want)} events")
PY

# The DuckDB query: split each line on spaces, take the host from the URL or CONNECT target and
# the user (the domain stripped from DOMAIN\name and name@domain, as shadowai does; the client
# address when the user is `-`), join the AI hosts on the host or one of its two nearest
# parents (an equi-join, so DuckDB hashes it; a `LIKE '%.' || host` join loops over every
# pair), count per user and tool. With an output path it also writes the counts as CSV.
cat > "$work/duck.py" << 'PY'
import duckdb, sys
log, tools = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"CREATE TABLE ai AS SELECT * FROM read_csv('{tools}', header=true, columns={{'host': 'VARCHAR', 'tool_id': 'VARCHAR'}})")
query = f"""
WITH f AS (
  SELECT regexp_split_to_array(trim(line), ' +') AS a
  FROM read_csv('{log}', header=false, delim='\x01', quote='', escape='', columns={{'line': 'VARCHAR'}})
), e AS (
  SELECT CASE WHEN a[8] = '-' THEN a[3]
              ELSE regexp_replace(regexp_replace(lower(a[8]), '^.*\\\\', ''), '@.*$', '') END AS usr,
         lower(regexp_extract(a[7], '^(?:[a-zA-Z]+://)?([^/:?]+)', 1)) AS host
  FROM f
), h AS (
  SELECT usr, unnest([host, regexp_extract(host, '^[^.]+[.](.+)$', 1),
                      regexp_extract(host, '^[^.]+[.][^.]+[.](.+)$', 1)]) AS host
  FROM e
)
SELECT usr AS "user", ai.tool_id, count(*) AS events
FROM h JOIN ai ON h.host = ai.host
GROUP BY ALL
"""
if len(sys.argv) > 3:
    con.execute(f"COPY ({query}) TO '{sys.argv[3]}' (HEADER, DELIMITER ',')")
else:
    print(len(con.execute(query).fetchall()))
PY

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $lines lines; median of $runs runs, whole process"
first_plain=""
for n in "${people[@]}"; do
    plain="$work/org-$lines-$n.log"
    gz="$plain.gz"
    truth="$work/org-$lines-$n.truth.csv"
    if [ ! -s "$plain" ] || [ ! -s "$gz" ] || [ ! -s "$truth" ]; then
        echo "generating $lines Squid lines from $n people..." >&2
        "$gen" org "$lines" 1 --people "$n" --truth "$truth" > "$plain"
        gzip -c -6 "$plain" > "$gz"
        # Written back now, not by the kernel's flusher in the middle of the timed runs.
        sync
    fi
    [ -n "$first_plain" ] || first_plain=$plain
    echo
    echo "== org workload: $n people, $lines lines, 14 days, $(($(wc -l < "$truth") - 1)) (user, tool) pairs; $(du -m "$plain" | cut -f1) MB plain, $(du -m "$gz" | cut -f1) MB gzip"
    t_plain=$(median "$bin" scan -q "$plain" --out "$work/out-plain")
    t_gz=$(median "$bin" scan -q "$gz" --out "$work/out-gz")
    t_zcat=$(median sh -c "zcat '$gz' > /dev/null")
    printf '%-44s %8.3f s\n' "shadowai scan (plain)" "$t_plain" "shadowai scan (gzip)" "$t_gz" "zcat > /dev/null" "$t_zcat"
    r_gz=$(echo "$t_gz / $t_zcat" | bc -l)
    printf '%-44s %8.3f   target <= 0.70: %s\n' "ratio gzip scan / zcat" "$r_gz" "$(verdict "$r_gz" 0.7)"
    if [ "$have_duck" = 1 ]; then
        t_duck=$(median python3 "$work/duck.py" "$plain" "$work/ai-tools.csv")
        r_duck=$(echo "$t_plain / $t_duck" | bc -l)
        printf '%-44s %8.3f s\n' "duckdb per-user x tool query (plain)" "$t_duck"
        printf '%-44s %8.3f   target <= 0.15: %s\n' "ratio plain scan / duckdb" "$r_duck" "$(verdict "$r_duck" 0.15)"
    else
        echo "duckdb: not installed (pip install duckdb); no DuckDB comparison"
    fi
    if [ "$have_rg" = 1 ]; then
        t_rg=$(median rg -c -F -f "$work/ai-hosts.txt" "$plain")
        printf '%-44s %8.3f s   (plain scan / rg = %.2f)\n' "rg -c -F -f ai-hosts (plain, lines only)" "$t_rg" "$(echo "$t_plain / $t_rg" | bc -l)"
    else
        echo "rg: not installed (apt-get install -y ripgrep); no ripgrep comparison"
    fi
    rss_plain=$(peak_rss_mib "$bin" scan -q "$plain" --out "$work/out-rss")
    rss_gz=$(peak_rss_mib "$bin" scan -q "$gz" --out "$work/out-rss")
    rss=$((rss_plain > rss_gz ? rss_plain : rss_gz))
    limit=$([ "$n" -ge 30000 ] && echo 150 || echo 200)
    printf '%-44s %5s MiB plain, %s MiB gzip   target <= %s: %s\n' "peak RSS" "$rss_plain" "$rss_gz" "$limit" "$(verdict "$rss" "$limit")"
    for j in 1 2; do
        printf '%-44s %8.3f s\n' "shadowai scan (plain, --threads $j)" "$(median "$bin" scan -q -j "$j" "$plain" --out "$work/out-j$j")"
    done
    base=${people[0]}
    if [ "$n" != "$base" ]; then
        # The two logs scanned in turn, so both medians see the machine in the same state (a
        # shared machine's speed drifts between the blocks above).
        read -r t_this t_base < <(median_pair "$bin" "$plain" "$first_plain")
        r_pop=$(echo "$t_this / $t_base" | bc -l)
        printf '%-44s %8.3f   (%.3f s / %.3f s, scanned in turn) target <= 2.00: %s\n' "ratio plain scan / the $base-people scan" "$r_pop" "$t_this" "$t_base" "$(verdict "$r_pop" 2)"
    fi
    echo "checks:"
    check "--threads 1 and 2 give byte-identical outputs" diff -r "$work/out-j1" "$work/out-j2"
    check "per-user.csv equals the generator's truth" python3 "$work/same_counts.py" "$truth" "$work/out-j1/per-user.csv"
    check "gzip scan gives the same per-user.csv" diff "$work/out-j1/per-user.csv" "$work/out-gz/per-user.csv"
    if [ "$have_duck" = 1 ]; then
        python3 "$work/duck.py" "$plain" "$work/ai-tools.csv" "$work/duck.csv"
        check "the DuckDB query counts the same" python3 "$work/same_counts.py" "$truth" "$work/duck.csv"
    fi
done

# Scaling out (docs/scaling-out.md): the map step (`scan --emit-partial`) and the reduce step
# (`merge`) against a plain scan, on the first population's org log (users named in the log)
# and on a Zeek DNS log of the same line count (client addresses only: without --identity a
# partial keeps each address at the second it was seen, so `merge --identity` stays exact).
echo
echo "== scale-out: scan vs emit-partial and merge"
dns="$work/dns.log.$lines"
[ -s "$dns" ] || "$gen" zeek-dns "$lines" 1 > "$dns"
for input in "$first_plain" "$dns"; do
    name=$(basename "$input")
    t_scan=$(median "$bin" scan -q "$input" --out "$work/out-scan")
    t_emit=$(median "$bin" scan -q "$input" --emit-partial "$work/part.tsv")
    t_merge=$(median "$bin" merge "$work/part.tsv" --out "$work/out-merge")
    printf '%-44s %8.3f s scan, %.3f s emit-partial, %.3f s merge; partial %s MB, %s records, %s MiB peak RSS (emit)\n' \
        "$name ($(du -m "$input" | cut -f1) MB)" "$t_scan" "$t_emit" "$t_merge" \
        "$(du -m "$work/part.tsv" | cut -f1)" "$(wc -l < "$work/part.tsv")" \
        "$(peak_rss_mib "$bin" scan -q "$input" --emit-partial "$work/part.tsv")"
    check "merge of the partial equals the scan on $name" diff -r "$work/out-scan" "$work/out-merge"
done
exit "$failed"
