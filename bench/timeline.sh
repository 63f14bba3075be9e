#!/usr/bin/env bash
# The customer-timeline benchmark of docs/benchmarks.md: one customer with 5,000 entries among 50,000 other
# communications, the server time of each timeline page, on SQLite and on the local PostgreSQL.
#   bash bench/timeline.sh
# PostgreSQL: KITH_BENCH_POSTGRES (default: the local server, user kith, password kith, database kith_timeline_bench,
# dropped and recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
pg=${KITH_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=kith_timeline_bench}
dotnet build -c Release bench/Kith.TimelineBench -v quiet -nologo
bin=bench/Kith.TimelineBench/bin/Release/net10.0/Kith.TimelineBench
mkdir -p bench/out
{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; uptime
    echo "== SQLite"; "$bin" --provider sqlite
    echo "== PostgreSQL"; "$bin" --provider postgres --database "$pg"
    uptime
} 2>&1 | tee bench/out/timeline.log
