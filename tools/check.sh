#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest)
# twice: the normal build (gcc, RelWithDebInfo), then a clang build with
# AddressSanitizer and UBSan (-DPROVIO_SANITIZE=ON) that also runs the
# libFuzzer harnesses (tests/fuzz).  Both ctest summaries are printed; the
# exit status is non-zero if either run failed.
# This is the README's test command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh </dev/null
jobs=$(nproc)
status=0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" || status=1

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DPROVIO_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" || status=1
exit "$status"
