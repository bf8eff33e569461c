#!/usr/bin/env bash
# tests/e2e/demo/test_demo.sh BUILD - runs the README's demo workflow
# (tools/demo_run.sh) on the build tree and checks what it shows: the
# lineage of the final file reaches every step and its inputs, the
# dataset-level lineage reaches the raw dataset and its attribute, the
# configuration of the C and Python steps, and the SVG.
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/provio-demo-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$(bash "$src/tools/demo_run.sh" "$1" "$work/run" 2>&1) || { echo "$out"; echo "FAIL: the demo failed"; exit 1; }
fail() { echo "$out"; echo "FAIL: $1"; exit 1; }
# Each section of the output: the lines after "$ COMMAND" up to the next one.
section() { awk -v cmd="\$ $1" '$0 == cmd {on = 1; next} /^\$ / {on = 0} on' <<<"$out"; }
files=$(section "prov-query -s store lineage detections.h5")
has() { grep -qE "$2" <<<"$1" || fail "$3"; }
has "$files" '^ +0 +file version .*/detections\.h5 ' "detections.h5 is not the target"
has "$files" '^ +1 +file version .*/decimated\.h5 .*joint version' "detections.h5 not derived from decimated.h5"
has "$files" '^ +1 +process +/usr/bin/python3 .*demo_detect\.py' "the Python step is missing"
has "$files" '^ +2 +file version .*/WestSac\.h5 ' "decimated.h5 not derived from WestSac.h5"
has "$files" '^ +2 +process .*demo_decimate_h5 .*rank 0' "decimation rank 0 is missing"
has "$files" '^ +2 +process .*demo_decimate_h5 .*rank 1' "decimation rank 1 is missing"
has "$files" '^ +3 +process .*demo_acquire WestSac\.h5' "the acquisition is missing"
objects=$(section "prov-query -s store lineage decimated.h5:/DAS/decimated")
has "$objects" '^ +0 .*decimated\.h5:/DAS/decimated ' "the dataset is not the target"
has "$objects" '^ +1 +object version .*WestSac\.h5:/DAS/raw ' "/DAS/decimated not derived from /DAS/raw"
has "$objects" '^ +1 +object version .*WestSac\.h5:/DAS/raw@SamplingFrequency\(HZ\)' "nor from its attribute"
if grep -q 'detections\.h5:/' <<<"$objects"; then fail "dataset lineage reaches the later file"; fi
config=$(section "prov-query -s store config detections.h5")
has "$config" 'demo_detect\.py.*"threshold".*"4\.0"' "the Python step's threshold is missing"
has "$config" 'demo_acquire.*"sampling_hz".*"500"' "the acquisition's sampling rate is missing"
if command -v dot >/dev/null; then
  grep -q '<svg' "$work/run/lineage.svg" || fail "no lineage.svg"
fi
echo "PASS demo"
