#!/usr/bin/env bash
# Event ingestion of docs/benchmarks.md: behavior_data.csv into a store that holds its customers, through
# `kith import events` and through POST /api/v1/events in batches of 10,000, on SQLite (the embedded default).
# Prints events per second for each (goal: 200,000/s). The API runs twice, each into a fresh copy of the same store:
# one sender sending the batches one after another, then SENDERS connections sending at once (the server commits the
# batches that wait together, ADR-0039); each run is followed, once the server's rollup has caught up, by the same
# batches again (every event a duplicate). Each pass prints the server's CPU time.
#   bash bench/events.sh [DATA_DIR] [SENDERS|cli]   (default bench/data/100000: customer_data.csv and behavior_data.csv; 4 senders)
# With `cli` instead of a number of senders only `kith import events` runs (size L: bash bench/events.sh bench/data/1000000 cli).
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050); KITH_BIN=path/to/kith
# measures that build instead (no build here), KITH_BENCH_TAG names the output directory.
# Numbers are only meaningful on an otherwise idle machine: the script prints the load average next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-bench/data/100000}
senders=${2:-4}
out=bench/out/events-$(basename "$data")${KITH_BENCH_TAG:+-$KITH_BENCH_TAG}
port=${KITH_BENCH_PORT:-5098}
# KITH_BIN: another build's kith to measure (a copy of main's, side by side); otherwise this tree's, published here.
kith=${KITH_BIN:-$(bench/publish-kith.sh)} # without KITH_BIN: the ReadyToRun build that production runs (ADR-0050)
rm -rf "$out"; mkdir -p "$out"
events=$(($(wc -l <"$data/behavior_data.csv") - 1))

setup() { # a store with the customers, and an admin
    printf 'Passw0rd-Bench-1\n' | "$kith" --data "$1" users add bench@example.com --role admin --password-stdin >/dev/null
    "$kith" --data "$1" import customers "$data/customer_data.csv" >"$1.customers.log" 2>&1
}

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # the server's CPU time (user + system), in clock ticks
cpu_since() { echo "scale=1; ($(cpu "$1") - $2) / $(getconf CLK_TCK)" | bc; }
caught_up() { # until the store says the rollup has counted every event and purchase (20 minutes at most): its
    # watermarks at the highest ids, no rebuild under way, no customer stale. A quiet CPU is not enough: after a long
    # round the worker pauses four times as long before the next. Prints "caught up" or "NOT caught up".
    /usr/bin/python3 - "$1" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=60)
def current():
    marks = dict(db.execute("SELECT key, value FROM settings WHERE key LIKE 'behavior.rollup.%'").fetchall())
    events, purchases = (db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in ("behavior_events", "purchases"))
    stale = db.execute("SELECT COUNT(*) FROM behavior_stale").fetchone()[0]
    return ("behavior.rollup.rebuild" not in marks and stale == 0 and int(marks.get("behavior.rollup.events", 0)) >= events
            and int(marks.get("behavior.rollup.purchases", 0)) >= purchases)
for _ in range(600):
    if current():
        print("caught up"); break
    time.sleep(2)
else:
    print("NOT caught up")
PY
}

{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; uptime
    echo "== $events events, SQLite"
    if [ -z "${KITH_BENCH_API_ONLY:-}" ]; then # KITH_BENCH_API_ONLY=1: the API runs only
    setup "$out/cli"
    start=$(date +%s.%N)
    /usr/bin/time -o "$out/cli-events.time" -f "%e s wall, %U s user, %S s sys, %M KB max RSS" \
        "$kith" --data "$out/cli" import events "$data/behavior_data.csv" --report "$out/cli-events.json" >"$out/cli-events.log" 2>&1
    s=$(echo "$(date +%s.%N) - $start" | bc)
    echo "  kith import events: ${s} s, $(echo "$events / $s" | bc) events/s (process start, file reading and behaviour summary included)"
    echo "  process: $(cat "$out/cli-events.time")"
    # The job's own time (start to completion, indexes built) is in the store, not in the report.
    /usr/bin/python3 - "$out/cli/kith.db" "$events" <<'PY'
import sqlite3, sys
from datetime import datetime
s, f = sqlite3.connect(sys.argv[1]).execute("SELECT started_at, finished_at FROM import_jobs WHERE kind = 'Events' ORDER BY id DESC").fetchone()
t = (datetime.fromisoformat(f[:26]) - datetime.fromisoformat(s[:26])).total_seconds()
print(f"  events step (the job, start to completion): {t:.1f} s, {int(sys.argv[2]) / t:,.0f} events/s")
PY
    grep -E '"created"|"rejected"|"pendingEvents"' "$out/cli-events.json" | tr -s ' ' | paste -sd ' '
    fi
    if [ "$senders" = cli ]; then uptime; exit 0; fi

    setup "$out/api"
    token=$("$kith" --data "$out/api" tokens create --user bench@example.com --name bench | tail -1)
    cp -r "$out/api" "$out/api-senders"
    for run in "api 1" "api-senders $senders"; do
        set -- $run
        "$kith" --data "$out/$1" serve --urls "http://127.0.0.1:$port" >"$out/$1.serve.log" 2>&1 &
        pid=$!
        trap 'kill $pid 2>/dev/null || true' EXIT
        for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
        c0=$(cpu $pid)
        /usr/bin/python3 bench/events_drive.py "http://127.0.0.1:$port" "$token" "$data/behavior_data.csv" 10000 "$2"
        echo "  server CPU $(cpu_since $pid $c0) s"
        c1=$(cpu $pid)
        # The rollup counts what the pass stored once the stream stops (ADR-0037: one rebuild); wait for it, or the
        # duplicate pass measures wherever that rebuild lands (the 15 % "regression" of 2026-11-27 was that).
        start=$(date +%s.%N); state=$(caught_up "$out/$1/kith.db")
        echo "  rollup $state $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s after the pass, server CPU meanwhile $(cpu_since $pid $c1) s"
        echo "  again (every event a duplicate):"
        c0=$(cpu $pid)
        /usr/bin/python3 bench/events_drive.py "http://127.0.0.1:$port" "$token" "$data/behavior_data.csv" 10000 "$2"
        echo "  server CPU $(cpu_since $pid $c0) s"
        kill $pid; wait $pid 2>/dev/null || true
    done
    uptime
} 2>&1 | tee "$out/run.log"
