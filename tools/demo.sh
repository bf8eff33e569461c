#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo job end to end:
#   1. a 2-rank MPI simulation reads params.txt and writes raw.dat,
#   2. a serial step decimates raw.dat into decimate.dat,
# both tracked with provio-run; then prov-merge consolidates the records
# into a store and prov-query answers "where did decimate.dat come from?".
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
bash tools/bootstrap.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "demo: built in $src/build"
bin=$src/build/tools
progs=$src/build/tests

work=$(mktemp -d /tmp/provio-demo.XXXXXX)
cd "$work"
echo "samples=4096" >params.txt
mpirun_flags=(--oversubscribe)
[ "$(id -u)" -ne 0 ] || mpirun_flags+=(--allow-run-as-root)

echo "demo: running the tracked job in $work"
mpirun "${mpirun_flags[@]}" -n 2 "$bin/provio-run" --out prov -- "$progs/demo_simulate" params.txt raw.dat
"$bin/provio-run" --out prov -- "$progs/demo_decimate" raw.dat decimate.dat

files=$(find prov -name '*.nt' | wc -l)
echo "demo: $files record files in $work/prov"
echo
echo "\$ prov-merge -s store prov"
"$bin/prov-merge" -s store prov
echo
echo "\$ prov-query -s store lineage decimate.dat"
"$bin/prov-query" -s store lineage decimate.dat
