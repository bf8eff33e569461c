#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo workflow end to end
# (tools/demo_run.sh): an acquisition program writes an HDF5 file, 2 MPI
# ranks decimate one of its datasets into another file, a Python step finds
# events in it and records its configuration and metrics; all tracked with
# provio-run.  prov-merge then consolidates the records and prov-query
# shows where the result came from (files and datasets), the configuration
# behind it, and the lineage graph as SVG when Graphviz is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
bash tools/bootstrap.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "demo: built in $src/build"
bash tools/demo_run.sh build "$(mktemp -d /tmp/provio-demo.XXXXXX)"
