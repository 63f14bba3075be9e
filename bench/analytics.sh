#!/usr/bin/env bash
# The analytics benchmark of docs/benchmarks.md: cohort retention (counted from every event, then a table from the
# kept counts) and the RFM recomputation, on a database holding gen_data.py's files.
#   bash bench/analytics.sh [CUSTOMERS] [DATA-FOLDER]       (default 1000000, /tmp/analytics-L)
# Imports customers, purchases and events into DATA-FOLDER first when it holds no database yet (an L import of the
# events takes several minutes). Needs the data in bench/data/CUSTOMERS (../shared/bench/gen_data.py makes it).
# Kith runs as published for production (bench/publish-kith.sh: Release, ReadyToRun, ADR-0050).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
dir=${2:-/tmp/analytics-L}
data=bench/data/$n
kith="$(bench/publish-kith.sh) --data $dir" # the ReadyToRun build that production runs (ADR-0050)
if [[ ! -f $dir/kith.db ]]; then
    printf 'Passw0rd-Bench-1\n' | $kith users add bench@example.com --role admin --password-stdin >/dev/null
    for kind in customers purchases events; do
        case $kind in customers) f=customer_data;; purchases) f=purchase_data;; events) f=behavior_data;; esac
        echo "import $kind: $(/usr/bin/time -f '%e s' $kith import $kind $data/$f.csv 2>&1 >/dev/null | tail -1)"
    done
fi
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== events: $(sqlite3 "$dir/kith.db" 'SELECT COUNT(*) FROM behavior_events') behaviour events, $(sqlite3 "$dir/kith.db" 'SELECT COUNT(*) FROM customers') customers"
for by in signup first_purchase; do
    echo "== cohorts by $by (wall clock of the whole command: $(/usr/bin/time -f '%e s' $kith analyze cohorts --by $by --from 2022-01-01 --to 2024-12-31 --out /tmp/cohorts-$by.csv 2>&1 >/dev/null | tail -2 | tr '\n' ' '))"
done
echo "== rfm: $( { /usr/bin/time -f '%e s wall' $kith analyze rfm --from 2022-01-01 --to 2024-12-31 2>&1; } | grep -E 'Scored|wall' | tr '\n' ' ')"
