#!/usr/bin/env bash
# The real `kith serve` over a database the benchmark loaded: drives its REST API with the benchmark's requests
# (search as you type, a filtered and sorted list, page 1,000 by cursor, GET by id) as the admin and as an agent,
# then reports the server process's resident memory (VmRSS now, VmHWM peak) from /proc.
#   bash bench/serve-memory.sh --data bench/out/sqlite-1m
#   bash bench/serve-memory.sh --provider postgres --database "Host=127.0.0.1;Username=kith;Password=kith;Database=kith_bench"
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050).
set -euo pipefail
cd "$(dirname "$0")/.."
kith=$(bench/publish-kith.sh) # the ReadyToRun build that production runs (ADR-0050)
port=${KITH_BENCH_PORT:-5099}
admin=$("$kith" tokens create --user bench-admin@example.com --name "bench $(date +%s)" "$@" | tail -1)
agent=$("$kith" tokens create --user agent-1-1@example.com --name "bench $(date +%s)" "$@" | tail -1)
"$kith" serve --urls "http://127.0.0.1:$port" "$@" >/tmp/kith-bench-serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 1
done
echo "server pid $pid; at start: $(grep -E 'VmRSS' /proc/$pid/status | tr -s ' ')"
/usr/bin/python3 bench/http_drive.py "http://127.0.0.1:$port" "$admin" "$agent"
echo "server memory after the runs: $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' ' | paste -sd ' ')"
