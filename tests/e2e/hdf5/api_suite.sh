#!/usr/bin/env bash
# api_suite.sh [--mpi] PLUGIN_DIR PROGRAM - HDF5's API test suite for VOL
# connectors, run natively, with provio stacked on the native connector, and
# with provio stacked on HDF5's own pass-through connector (a non-native
# under connector), recording each time.  Passes when the three runs report
# the same passed/failed/skipped counts and exit status, the same output on
# stderr (provio prints nothing, and errors reach HDF5's printed stacks
# unchanged), the provio runs really used provio, and every record file is
# valid N-Triples.
set -euo pipefail
mpi=()
if [ "${1:-}" = --mpi ]; then
  mpi=(mpirun --oversubscribe -n 2 -x HDF5_PLUGIN_PATH -x HDF5_VOL_CONNECTOR -x PROVIO_DIR)
  [ "$(id -u)" -ne 0 ] || mpi=(mpirun --oversubscribe --allow-run-as-root -n 2
                               -x HDF5_PLUGIN_PATH -x HDF5_VOL_CONNECTOR -x PROVIO_DIR)
  shift
fi
plugin=$1 program=$2
work=$(mktemp -d "${TMPDIR:-/dev/shm}/provio-h5api.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# run NAME CONNECTOR: the suite's summary lines, one per count, in NAME.counts
run() {
  local name=$1 rc=0
  mkdir -p "$work/$name"
  (cd "$work/$name" && HDF5_PLUGIN_PATH=$plugin HDF5_VOL_CONNECTOR=$2 PROVIO_DIR=$work/$name.prov \
     "${mpi[@]}" "$program" >"$work/$name.log" 2>"$work/$name.err") || rc=$?
  grep -Eo '[0-9]+/[0-9]+ \([0-9.]+%\) API tests (passed|did not pass|were skipped)' "$work/$name.log" \
    >"$work/$name.counts" || true
  echo "rc=$rc" >>"$work/$name.counts"
  echo "$name: $(tr '\n' ' ' <"$work/$name.counts")"
}

run native native
run provio "provio under_vol=0;under_info={}"
run provio-passthru "provio under_vol=1;under_info={under_vol=0;under_info={}}"

[ "$(grep -c 'API tests' native.counts)" -eq 3 ] || { cat native.log; fail "no summary from the native run"; }
for name in provio provio-passthru; do
  grep -q "with VOL connector 'provio'" "$name.log" || { tail -40 "$name.log"; fail "$name: provio was not used"; }
  cmp -s native.counts "$name.counts" || { tail -40 "$name.log"; fail "$name: counts differ from native"; }
  diff native.err "$name.err" >&2 || fail "$name: stderr differs from native"
  files=$(find "$name.prov" -name '*.nt' | wc -l)
  [ "$files" -gt 0 ] || fail "$name: no record files"
  out=$(find "$name.prov" -name '*.nt' -exec cat {} + | rapper -q -i ntriples -c - file:///records 2>&1) ||
    fail "$name: rapper: $out"
  ! grep -qi 'error\|warning' <<<"$out" || fail "$name: rapper: $out"
  accesses=$(find "$name.prov" -name '*.nt' -exec grep -c 'ns#Hdf5Access> \.$' {} + | awk -F: '{s += $NF} END {print s}')
  [ "$accesses" -gt 100 ] || fail "$name: only $accesses HDF5 object accesses recorded"
  echo "$name: $files record files, $accesses object sessions, valid N-Triples"
done
echo "same counts native and stacked"
