"""HDF5: the provio VOL connector never harms an HDF5 program, whichever
HDF5 it is built against and whatever connector the user already chose."""
import os

from harness import PROVIO_LIB, PROVIO_RUN, check, main, parse_records, prog, run
from provio_e2e import PV

PLUGIN_DIR = os.path.join(os.path.dirname(PROVIO_LIB), "hdf5")
VALGRIND = ["valgrind", "-q", "--error-exitcode=97", "--leak-check=no"]


def case_async_event_set(work):
    """Requests flow through provio into an event set: H5ESwait waits on
    each and then frees it; provio's wrapper is freed once, by the free.
    valgrind sees every invalid read and double free of a wrapper."""
    env = dict(os.environ, HDF5_PLUGIN_PATH=PLUGIN_DIR, PROVIO_DIR=os.path.join(work, "run"))
    env.pop("HDF5_VOL_CONNECTOR", None)
    plain = run([prog("h5_async_es")], cwd=work, env=env, check_rc=0)
    check(b"failed 0" in plain.stdout and b"read back 200..215" in plain.stdout,
          f"the program itself misbehaves: {plain.stdout!r}")
    stacked = run(VALGRIND + [prog("h5_async_es"), "provio"], cwd=work, env=env)
    check(stacked.returncode == 0,
          f"exit {stacked.returncode} with provio stacked\nstderr: {stacked.stderr[-3000:]!r}")
    check(stacked.stdout == plain.stdout,
          f"stdout differs:\n plain   {plain.stdout!r}\n stacked {stacked.stdout!r}")
    check(stacked.stderr == b"", f"stderr with provio stacked: {stacked.stderr[-3000:]!r}")
    graph = parse_records(env["PROVIO_DIR"])
    written = graph.subjects(PV + "bytesWritten", "64")
    check(len(written) == 3, f"expected the 3 async writes recorded, got {written}")


def case_stacked_on_user_connector(work):
    """The user's HDF5_VOL_CONNECTOR (HDF5's pass_through over native) stays
    in place with provio on top: same data, and the dataset recorded."""
    env = dict(os.environ, HDF5_VOL_CONNECTOR="pass_through under_vol=0;under_info={}")
    env.pop("HDF5_PLUGIN_PATH", None)
    plain = run([prog("h5_vol_chain")], cwd=work, env=env, check_rc=0)
    out = os.path.join(work, "run")
    tracked = run([PROVIO_RUN, "--out", out, "--", prog("h5_vol_chain")], cwd=work, env=env)
    check(tracked.returncode == 0 and tracked.stderr == b"",
          f"exit {tracked.returncode}, stderr {tracked.stderr[-2000:]!r}")
    data, chain = plain.stdout.decode().splitlines()
    check(chain == "connectors: 1 0", f"untracked stack: {chain}")
    check(tracked.stdout.decode().splitlines() == [data, "connectors: 3071 1 0"],
          f"tracked: {tracked.stdout!r}, untracked {plain.stdout!r}")
    graph = parse_records(out)
    dataset = [s for s in graph.subjects(PV + "objectPath", "/d") if s.endswith("chain.h5#/d")]
    check(dataset, "the dataset written through the user's connector is not recorded")


def case_foreign_hdf5(work):
    """provio-run sets HDF5_PLUGIN_PATH for every process; Debian's HDF5
    1.10 under h5py scans it for filters and dlopens the plugin, which must
    not bring provio's HDF5 (and MPI) into the process: same output."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hdf5", "h5py_foreign.py")
    cmd = ["/usr/bin/python3", script]
    plain = run(cmd, cwd=work, env=dict(os.environ), check_rc=0)
    check(b"second hdf5: False mpi: False" in plain.stdout, f"untracked: {plain.stdout!r}")
    out = os.path.join(work, "run")
    tracked = run([PROVIO_RUN, "--out", out, "--"] + cmd, cwd=work, env=dict(os.environ))
    check((tracked.returncode, tracked.stdout, tracked.stderr) ==
          (plain.returncode, plain.stdout, plain.stderr),
          f"tracked {tracked.returncode} {tracked.stdout!r} {tracked.stderr[-2000:]!r}\n"
          f"untracked {plain.returncode} {plain.stdout!r} {plain.stderr[-2000:]!r}")
    parse_records(out)


def case_env_as_untracked(work):
    """provio-run points HDF5_VOL_CONNECTOR at provio for provio's HDF5
    only: any other caller (the program here; an HDF5 of 1.12 or later
    that is not provio's, which would fail to initialise) reads the
    user's value, or nothing."""
    for user in (None, "pass_through under_vol=0;under_info={}"):
        env = dict(os.environ)
        env.pop("HDF5_VOL_CONNECTOR", None)
        if user:
            env["HDF5_VOL_CONNECTOR"] = user
        cmd = [prog("print_env"), "HDF5_VOL_CONNECTOR", "HOME"]
        plain = run(cmd, cwd=work, env=env, check_rc=0)
        tracked = run([PROVIO_RUN, "--out", os.path.join(work, "run"), "--"] + cmd, cwd=work, env=env)
        check((tracked.returncode, tracked.stdout, tracked.stderr) == (0, plain.stdout, b""),
              f"user {user!r}: tracked {tracked.stdout!r} {tracked.stderr!r}, untracked {plain.stdout!r}")


if __name__ == "__main__":
    main()
