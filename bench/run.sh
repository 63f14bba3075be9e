#!/usr/bin/env bash
# The 1,000,000-customer list benchmark of docs/benchmarks.md, on SQLite and on the local PostgreSQL.
#   bash bench/run.sh [CUSTOMERS]      (default 1000000; e.g. 100000 for a quicker run)
# Needs python3-numpy (apt-get install -y python3-numpy) and, for PostgreSQL, a server where the user may create
# databases: KITH_BENCH_POSTGRES (default: the local server, user kith, password kith, database kith_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
data=bench/data/$n
out=bench/out/$n
pg=${KITH_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=kith;Password=kith;Database=kith_bench}

if [[ ! -f $data/customer_data.csv ]]; then
    /usr/bin/python3 ../shared/bench/gen_data.py "$data" --customers "$n"
fi
dotnet build -c Release bench/Kith.Bench -v quiet -nologo
bin=bench/Kith.Bench/bin/Release/net10.0/Kith.Bench
mkdir -p "$out"
{
    echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo; free -h | head -2; uptime
    echo "== SQLite"
    "$bin" list --data-dir "$out/sqlite" --provider sqlite --customers-csv "$data/customer_data.csv"
    echo "== PostgreSQL"
    "$bin" list --data-dir "$out/postgres" --provider postgres --database "$pg" --customers-csv "$data/customer_data.csv"
} 2>&1 | tee "$out/run.log"
