#!/usr/bin/env bash
# The import benchmark of docs/benchmarks.md: Kith imports gen_data.py's four files into its store (cleaned,
# deduplicated, linked, durable and queryable) and the pandas pipeline (seed_pipeline.py) runs on the same files,
# in one run on one machine; prints each side's wall time and peak memory, and the ratios. Kith imports the folder with
# one `kith import all` (one process; each file its own job) and the per-file times come from its --report.
#   bash bench/import.sh [CUSTOMERS] [sqlite|postgres|both]     (default 1000000 both)
# Needs python3-numpy and python3-pandas (Debian), and for PostgreSQL a server where the user may create databases:
# KITH_BENCH_POSTGRES (default: the local server, user kith, password kith, database kith_import_bench).
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
which=${2:-both}
data=bench/data/$n
out=bench/out/import-$n
pg=${KITH_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=kith_import_bench}
py=/usr/bin/python3
# ../shared beside the repository, or beside the folder of worktrees
shared=../shared; [[ -d $shared/bench ]] || shared=../../shared

if [[ ! -f $data/behavior_data.csv ]]; then
    $py $shared/bench/gen_data.py "$data" --customers "$n"
fi
kith=$(bench/publish-kith.sh) # the ReadyToRun build that production runs (ADR-0050)
rm -rf "$out"; mkdir -p "$out"

# One timed command: prints "seconds peak-KB" on the last line of its log.
timed() { local log=$1; shift; /usr/bin/time -f "%e %M" -o "$log.time" "$@" >"$log" 2>&1 || { echo "failed: $*"; tail -20 "$log"; exit 1; }; cat "$log.time"; }

run_kith() { # label provider-args...: one folder import; prints each file's time from its report, then "seconds peak-KB"
    local label=$1; shift
    printf 'Passw0rd-Bench-1\n' | $kith "$@" users add bench@example.com --role admin --password-stdin >/dev/null
    read -r s kb < <(timed "$out/$label.log" $kith "$@" import all "$data" --report "$out/$label.json")
    $py -c 'import json, sys
r, label, total = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3])
for f in r["files"]:
    n = f["report"]
    print("  kith (%s) %s (%s): %s s, created %d, merged %d, refused %d" % (label, f["kind"], f["file"], f["seconds"], n["created"], n["merged"], n["rejected"]))
print("  kith (%s) start, statistics and exit: %.2f s" % (label, total - sum(f["seconds"] for f in r["files"])))' "$out/$label.json" "$label" "$s"
    echo "$s $kb"
}

{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -h | head -2; uptime
    echo "== pandas (seed_pipeline.py)"
    read -r ps pkb < <(timed "$out/pandas.log" $py $shared/bench/seed_pipeline.py "$data" "$out/pandas-out")
    echo "  pandas: ${ps} s, peak ${pkb} KB"; sed 's/^/    /' "$out/pandas.log"
    for p in sqlite postgres; do
        [[ $which == both || $which == "$p" ]] || continue
        echo "== Kith on $p"
        if [[ $p == sqlite ]]; then args=(--data "$out/sqlite"); else
            db=$(sed -E 's/.*Database=([^;]+).*/\1/' <<<"$pg")
            PGPASSWORD=kith psql -h 127.0.0.1 -U kith -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
            args=(--provider postgres --database "$pg" --data "$out/postgres"); fi
        result=$(run_kith "$p" "${args[@]}" | tee /dev/stderr | tail -1)
        read -r ks kkb <<<"$result"
        echo "  kith ($p) whole import: ${ks} s, peak ${kkb} KB"
        echo "  ratio kith/pandas wall time: $(echo "scale=2; $ks / $ps" | bc)   peak memory: $(echo "scale=2; $kkb / $pkb" | bc)"
    done
} 2>&1 | tee "$out/run.log"
