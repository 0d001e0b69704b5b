#!/usr/bin/env bash
# Input scale: times the two paths whose cost grows with the number of register rows or input
# files rather than with log bytes, so that a quadratic step shows up as a time that quadruples
# when the input doubles.
#
#   benches/scale-inputs.sh [BIN]        (default: target/release/shadowai, built first)
#
# Each run is stopped after TIMEOUT seconds (default 120; exit 124 is then printed).
#
# It generates, under ${TMPDIR:-/tmp}/shadowai-scale (kept between runs):
#   register-N.csv   N rows (10,000, 20,000, 100,000) with header
#                    `Tool,Tier,Assessment Date,Owner,Domains`: the first rows name catalogue
#                    tools (by name, some with one of their own patterns), the rest in-house
#                    tools with a unique name and domains of their own;
#   register-cell.csv one in-house row whose name is a 10 MB cell, then 3,000 rows as above;
#   files-N/         N one-line Squid files (5,000, 10,000, 20,000);
# and prints the wall and CPU time of
#   shadowai scan ONE-LOG --out DIR --register register-N.csv    (register load and join)
#   shadowai blocklist --register register-N.csv --format F      (overlap checks per rule)
#   shadowai scan files-N --out DIR  /  --emit-partial FILE       (the many-files paths)
# A run that fails prints its exit code and the last line of its error output instead of a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/shadowai}"
if [ "$bin" = target/release/shadowai ]; then
    cargo build --release --quiet
fi
work="${TMPDIR:-/tmp}/shadowai-scale"
mkdir -p "$work"

# Catalogue tool names, one per line, from the binary's own catalogue.
"$bin" signatures export --format csv | python3 -c '
import csv, sys
seen = {}
for row in csv.DictReader(sys.stdin):
    seen.setdefault(row["tool"], row["pattern"] if row["match"] == "suffix" else "")
for name, pattern in list(seen.items())[:200]:
    print(f"{name}\t{pattern}")
' > "$work/catalogue-tools.tsv"

# register ROWS [BIG_CELL_BYTES] > FILE
register() {
    python3 - "$1" "${2:-0}" "$work/catalogue-tools.tsv" <<'PY'
import csv, sys
rows, big, tools = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
known = [line.rstrip("\n").split("\t") for line in open(tools, encoding="utf-8")]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["Tool", "Tier", "Assessment Date", "Owner", "Domains"])
if big:
    w.writerow(["Huge" + "x" * (big - 4), "3", "2026-01-15", "IT", "huge.corp.example"])
for i in range(rows):
    tier = 1 + i % 4
    date = f"2026-{1 + i % 12:02}-{1 + i % 28:02}"
    if i < len(known):
        name, pattern = known[i]
        w.writerow([name, tier, date, "IT Security", pattern if i % 2 else ""])
    else:
        w.writerow([f"In-house Tool {i:06}", tier, date, f"Team {i % 50}",
                    f"tool{i:06}.corp.example api.tool{i:06}.corp.example"])
PY
}

for n in 10000 20000 100000; do
    [ -s "$work/register-$n.csv" ] || register "$n" > "$work/register-$n.csv"
done
[ -s "$work/register-cell.csv" ] || register 3000 10000000 > "$work/register-cell.csv"
log="$work/one.log"
echo "1794211531.666  12938 10.1.0.11 TCP_TUNNEL/200 20072 CONNECT chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -" > "$log"
for n in 5000 10000 20000; do
    dir="$work/files-$n"
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir"
        for i in $(seq -w 1 "$n"); do
            echo "1794211531.666  12938 10.1.0.$((10#$i % 250)) TCP_TUNNEL/200 20072 CONNECT chatgpt.com:443 user$i HIER_DIRECT/104.18.32.47 -" > "$dir/access-$i.log"
        done
    fi
done

# time_it LABEL COMMAND...: wall and CPU (user + system) seconds, or the exit code and the last
# error line. CPU time is printed too because on a shared machine it varies less than wall time.
time_it() {
    local label=$1 rc=0 wall user sys
    shift
    /usr/bin/time -f '%e %U %S' -o "$work/time" timeout "${TIMEOUT:-120}" "$@" > /dev/null 2> "$work/stderr" || rc=$?
    read -r wall user sys < <(tail -1 "$work/time")
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
        printf '%-44s %7.2f s wall %7.2f s CPU\n' "$label" "$wall" "$(echo "$user + $sys" | bc -l)"
    else
        printf '%-44s exit %s after %.2f s: %s\n' "$label" "$rc" "$wall" "$(tail -1 "$work/stderr" | cut -c1-160)"
    fi
}

echo "machine: $(nproc) cores; binary: $bin"
for n in 10000 20000 100000; do
    time_it "scan --register register-$n.csv" "$bin" scan -q "$log" --out "$work/out" --register "$work/register-$n.csv"
done
for n in 10000 20000 100000; do
    for f in unbound squid-acl; do
        time_it "blocklist register-$n.csv --format $f" "$bin" blocklist --register "$work/register-$n.csv" --format "$f" --serial 1 --out "$work/blocklist.txt"
    done
done
time_it "scan --register register-cell.csv (10 MB)" "$bin" scan -q "$log" --out "$work/out" --register "$work/register-cell.csv"
for n in 5000 10000 20000; do
    time_it "scan files-$n --out" "$bin" scan -q "$work/files-$n" --out "$work/out"
    time_it "scan files-$n --emit-partial" "$bin" scan -q "$work/files-$n" --emit-partial "$work/partial.tsv"
done
