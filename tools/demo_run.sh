#!/usr/bin/env bash
# tools/demo_run.sh BUILD WORK - the demo workflow (tools/demo.sh builds and
# calls it; ctest's demo.dassa runs it on the build tree), shaped like the
# distributed acoustic sensing (DASSA) case:
#   1. acquisition: demo_acquire writes WestSac.h5, /DAS/raw with the
#      sampling rate as an attribute;
#   2. decimation: 2 MPI ranks (demo_decimate_h5, parallel HDF5) read
#      /DAS/raw and write decimated.h5:/DAS/decimated;
#   3. analysis: a Python step (demo_detect.py, h5py) reads the decimated
#      strain, records its configuration and metrics through the provio
#      module and writes detections.h5;
# all tracked with provio-run under one configuration file (docs/configuration.md).
# Then prov-merge consolidates the records and prov-query shows the lineage
# of detections.h5 (files) and of /DAS/decimated (datasets), the
# configuration behind it, and the lineage graph as SVG if Graphviz is there.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/tools
progs=$build/tests
for p in demo_acquire demo_decimate_h5; do
  [ -x "$progs/$p" ] || { echo "demo: $progs/$p missing (provio was built without HDF5 1.14)" >&2; exit 1; }
done

mkdir -p "$work"
cd "$work"
cat >provio.conf <<'CONF'
# provio's settings for the demo job (docs/configuration.md)
dir = prov
job_id = dassa-demo
hdf5_datatypes = off
CONF
run=("$bin/provio-run" --config provio.conf --)
mpirun_flags=(--oversubscribe)
[ "$(id -u)" -ne 0 ] || mpirun_flags+=(--allow-run-as-root)

echo "demo: running the tracked workflow in $work"
"${run[@]}" "$progs/demo_acquire" WestSac.h5
mpirun "${mpirun_flags[@]}" -n 2 "${run[@]}" "$progs/demo_decimate_h5" WestSac.h5 decimated.h5 10
PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}" \
  "${run[@]}" /usr/bin/python3 "$src/tests/e2e/progs/demo_detect.py" decimated.h5 detections.h5

files=$(find prov -name '*.nt' | wc -l)
echo "demo: $files record files in $work/prov"
show() {
  echo
  echo "\$ $*"
  "$bin/$@"
}
show prov-merge -s store prov
show prov-query -s store lineage detections.h5
show prov-query -s store lineage decimated.h5:/DAS/decimated
show prov-query -s store config detections.h5
if command -v dot >/dev/null; then
  show prov-query -s store lineage detections.h5 --format dot --svg lineage.svg >/dev/null
  echo "demo: the lineage graph of detections.h5 is in $work/lineage.svg"
else
  echo "demo: Graphviz (dot) is not installed: no lineage.svg"
fi
