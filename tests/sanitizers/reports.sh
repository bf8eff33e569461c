#!/usr/bin/env bash
# Fails if any sanitized process of the test run wrote a report (the
# sanitizers write them under $1, one file per process).
shopt -s nullglob
reports=("$1"/report*)
for r in "${reports[@]}"; do
  echo "==== $r"
  head -n 60 "$r"
done
if [ ${#reports[@]} -ne 0 ]; then
  echo "${#reports[@]} sanitizer report(s)"
  exit 1
fi
