#!/usr/bin/env bash
# Publishes `kith` the way it is installed in production (docs/operations.md#installing: Release, ReadyToRun for this
# machine's runtime identifier, ADR-0050) and prints the program's path; the benchmarks that run kith run this build.
# The first publish compiles Kith and every library it uses ahead of time (minutes of CPU on 2 cores); later ones
# compile again only the assemblies that changed.
#   kith=$(bench/publish-kith.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rid=$(dotnet --info | awk '$1 == "RID:" { print $2; exit }')
dotnet publish -c Release -r "$rid" src/Kith -v quiet -nologo >/dev/null
echo "src/Kith/bin/Release/net10.0/$rid/publish/kith"
