#!/usr/bin/env bash
# Regenerates the InitialCreate migration of both providers from the current model.
# Kith has not shipped, so the initial migration is rewritten instead of stacking new ones;
# hand-written migrations (search indexes) are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for p in Sqlite Postgres; do
  dir=src/Kith.Core/Infrastructure/Migrations/$p
  mkdir -p "$dir"
  rm -rf src/Kith.Core/Kith
  rm -f "$dir"/*_InitialCreate.cs "$dir"/*_InitialCreate.Designer.cs "$dir"/*ModelSnapshot.cs
  dotnet ef migrations add InitialCreate --project src/Kith.Core --startup-project src/Kith.Core \
    --context "${p}KithDb" --output-dir "Infrastructure/Migrations/$p" --namespace "Kith.Core.Infrastructure.Migrations.$p" >/dev/null
  # with --namespace, ef writes a new snapshot under a folder named after the namespace; keep it beside the migrations
  if [ -d src/Kith.Core/Kith ]; then
    find src/Kith.Core/Kith -name "${p}KithDbModelSnapshot.cs" -exec mv {} "$dir/" \;
    rm -rf src/Kith.Core/Kith
  fi
  # keep the timestamp fixed so hand-written migrations stay ordered after it
  for f in "$dir"/*_InitialCreate.cs "$dir"/*_InitialCreate.Designer.cs; do
    base=$(basename "$f"); new="$dir/20260101000000_${base#*_}"
    [ "$f" = "$new" ] || mv "$f" "$new"
  done
  sed -i -E 's/\[Migration\("[0-9]+_InitialCreate"\)\]/[Migration("20260101000000_InitialCreate")]/' "$dir"/20260101000000_InitialCreate.Designer.cs
done
echo "migrations regenerated"
