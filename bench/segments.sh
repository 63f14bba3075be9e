#!/usr/bin/env bash
# The segment-count benchmark of docs/benchmarks.md: how long the live member count of a segment with behaviour
# rules takes over all customers (POST /api/v1/segments/count, what the rule builder calls on every change), beside
# pandas answering the same questions from the same files already loaded in memory.
#   bash bench/segments.sh [CUSTOMERS]      (default 1000000; e.g. 100000 for a quicker run)
# The Kith store is imported once into bench/out/segments-N and reused by later runs (delete it to start over).
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
data=bench/data/$n
out=bench/out/segments-$n
py=/usr/bin/python3
port=${KITH_BENCH_PORT:-5391}

if [[ ! -f $data/behavior_data.csv ]]; then
    $py ../shared/bench/gen_data.py "$data" --customers "$n"
fi
kith="$(bench/publish-kith.sh) --data $out/sqlite" # the ReadyToRun build that production runs (ADR-0050)
mkdir -p "$out"
if [[ ! -f $out/sqlite/imported ]]; then
    rm -rf "$out/sqlite"
    printf 'Passw0rd-Bench-1\n' | $kith users add bench@example.com --role admin --password-stdin >/dev/null
    for kind in customers purchases events; do
        case $kind in customers) f=customer_data;; purchases) f=purchase_data;; events) f=behavior_data;; esac
        echo "importing $kind…"
        $kith import "$kind" "$data/$f.csv" --user bench@example.com >"$out/import-$kind.log" 2>&1 || [[ $? == 3 ]]
    done
    touch "$out/sqlite/imported"
fi
token=$($kith tokens create --user bench@example.com --name "bench $(date +%s)" | tail -1)
$kith serve --urls "http://127.0.0.1:$port" >"$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 1; done

{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -h | head -2; uptime
    echo "== segment counts over $n customers"
    $py bench/segments_drive.py "http://127.0.0.1:$port" "$token" "$data"
} 2>&1 | tee "$out/run.log"
