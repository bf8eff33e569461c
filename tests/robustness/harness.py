"""The robustness cases' one rule: a tracked program behaves exactly as
untracked.  same_behaviour() runs a command both ways and compares what the
program shows the world (stdout, stderr, exit status; programs in progs/
print the errno values and descriptor numbers they see), then parses every
record file with rapper.  Cases are plain functions named case_NAME in
test_<area>.py; robustness.cmake turns each into a ctest case."""
import inspect
import os
import shutil
import sys

from provio_e2e import Failure, check, parse_records, record_files, run, workdir  # noqa: F401
import provio_e2e

ROBUST_BIN = os.environ.get("PROVIO_ROBUST_BIN", "")
PROVIO_LIB = provio_e2e.PROVIO_LIB
PROVIO_RUN = provio_e2e.PROVIO_RUN
TEST_BIN = provio_e2e.TEST_BIN


def prog(name):
    """Path of a program built from progs/NAME.c."""
    return os.path.join(ROBUST_BIN, name)


def same_behaviour(cmd, work, env=None, stdin=None, records=True, require_finished=True,
                   compare_stderr=True, tag="run"):
    """Runs cmd in work untracked, then, from the same starting files,
    tracked with the records in records_dir(work, tag) (outside work, so
    that the program sees the same directory both times); fails unless both
    show the same stdout, stderr and exit status.  Returns (tracked
    CompletedProcess, Graph of the records or None)."""
    seed = work + ".seed"
    shutil.rmtree(seed, ignore_errors=True)
    shutil.copytree(work, seed, symlinks=True)
    plain = run(cmd, cwd=work, env=dict(os.environ, **(env or {})), stdin=stdin)
    shutil.rmtree(work)
    os.rename(seed, work)
    out = records_dir(work, tag)
    tracked = run(cmd, cwd=work, env=env, stdin=stdin, tracked_out=out)
    check(tracked.returncode == plain.returncode,
          f"exit status {tracked.returncode} tracked, {plain.returncode} untracked\n"
          f"stderr tracked: {tracked.stderr[-2000:]!r}")
    check(tracked.stdout == plain.stdout,
          f"stdout differs:\n untracked {plain.stdout[-2000:]!r}\n tracked   {tracked.stdout[-2000:]!r}")
    if compare_stderr:
        check(tracked.stderr == plain.stderr,
              f"stderr differs:\n untracked {plain.stderr[-2000:]!r}\n tracked   {tracked.stderr[-2000:]!r}")
    graph = parse_records(out, require_finished=require_finished) if records else None
    return tracked, graph


def records_dir(work, tag="run"):
    """Where same_behaviour's tracked run writes its records."""
    return f"{work}.records-{tag}"


def main():
    """Runs case_<argv[1]> of the calling module."""
    caller = sys.modules["__main__"]
    cases = {n[5:]: f for n, f in inspect.getmembers(caller, inspect.isfunction) if n.startswith("case_")}
    provio_e2e.main(cases)
