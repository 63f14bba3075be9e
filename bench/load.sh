#!/usr/bin/env bash
# The load test of docs/benchmarks.md: 64 concurrent clients for 60 s of mixed reads and writes (list, search, get,
# timeline, create, update, event ingestion) over the customers of DATA_DIR through the REST API with a token,
# on SQLite (one `kith serve`) and on two `kith serve` nodes over one PostgreSQL (clients split across the nodes).
#   bash bench/load.sh [DATA_DIR] [CLIENTS] [SECONDS]      (default bench/data/100000 64 60)
# PostgreSQL: KITH_BENCH_POSTGRES (default: the local server, user kith, password kith, database kith_load, dropped
# and recreated). The API's rate limits are off for the run (--api-limit-per-token 0): they would answer 429s.
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050).
# Numbers are only meaningful on an otherwise idle machine: the script prints the load average next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-bench/data/100000}
clients=${2:-64}
seconds=${3:-60}
pg=${KITH_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=kith_load}
out=bench/out/load-$(basename "$data")
if [[ ! -f $data/customer_data.csv ]]; then
    /usr/bin/python3 ../shared/bench/gen_data.py "$data" --customers "$(basename "$data")"
fi
kith=$(bench/publish-kith.sh) # the ReadyToRun build that production runs (ADR-0050)
dotnet build -c Release bench/Kith.LoadBench -v quiet -nologo >/dev/null
load=bench/Kith.LoadBench/bin/Release/net10.0/Kith.LoadBench
rm -rf "$out"; mkdir -p "$out"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

serve() { # DATA_DIR PORT [database options...]
    local dir=$1 port=$2; shift 2
    "$kith" --data "$dir" "$@" serve --urls "http://127.0.0.1:$port" --api-limit-per-token 0 --api-limit-per-address 0 >"$dir.serve-$port.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 1; done
    echo "kith serve on port $port did not start" >&2; return 1
}

setup() { # DATA_DIR [database options...]: an admin, the customers, a token (printed)
    local dir=$1; shift
    printf 'Passw0rd-Bench-1\n' | "$kith" --data "$dir" "$@" users add bench@example.com --role admin --password-stdin >/dev/null
    "$kith" --data "$dir" "$@" import customers "$data/customer_data.csv" >"$dir.import.log" 2>&1
    "$kith" --data "$dir" "$@" tokens create --user bench@example.com --name load | tail -1
}

{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -h | head -2; uptime
    echo "== SQLite, one node"
    token=$(setup "$out/sqlite")
    serve "$out/sqlite" 5091
    "$load" --urls http://127.0.0.1:5091 --token "$token" --clients "$clients" --seconds "$seconds" || echo "!! 5xx answers on SQLite"
    kill "${pids[@]}"; pids=()

    echo "== PostgreSQL, two nodes"
    PGPASSWORD=kith psql -q -h 127.0.0.1 -U kith -d postgres -c "DROP DATABASE IF EXISTS kith_load WITH (FORCE)" -c "CREATE DATABASE kith_load"
    token=$(setup "$out/postgres" --provider postgres --database "$pg")
    serve "$out/postgres" 5093 --provider postgres --database "$pg"
    serve "$out/postgres" 5094 --provider postgres --database "$pg"
    "$load" --urls http://127.0.0.1:5093,http://127.0.0.1:5094 --token "$token" --clients "$clients" --seconds "$seconds" || echo "!! 5xx answers on PostgreSQL"
    uptime
} 2>&1 | tee "$out/run.log"
