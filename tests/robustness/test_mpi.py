"""MPI programs of either MPI family, and programs without MPI: tracked
exactly as untracked.  The MPI modules are one preload library per family
(interpose/mpi.c); provio-run loads the one the program uses, and a module
of the wrong family must pass everything through unharmed."""
import os

from harness import PROVIO_LIB, PROVIO_RUN, check, main, parse_records, prog, run, same_behaviour
from provio_e2e import PRELOAD, file_iri

PV = "https://w3id.org/provio/ns#"
LIBDIR = os.path.dirname(PROVIO_LIB)
MODULES = {f: os.path.join(LIBDIR, f"libprovio-mpi-{f}.so") for f in ("openmpi", "mpich")}
LAUNCH = {"openmpi": ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2"],
          "mpich": ["mpirun.mpich", "-n", "2"]}
BLOCK = 1000  # bytes each rank of mpiio_roundtrip writes and reads
# Open MPI refuses root without them; they name no MPI family.
SINGLETON = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def roundtrip(work, family, provio_args=(), tag="run", name="mpiio_roundtrip", launch=True, shell=False, args=()):
    """Program name built for family, given a data file and args, on 2
    ranks (or as a singleton without launch; exec'ed by a shell with shell),
    untracked and with each rank under provio-run provio_args: same output,
    exit status and data.  Returns the records' graph and the tracked run's
    data file."""
    program = prog(f"{name}.{family}")
    check(os.path.exists(program), f"{program} not built (was {family} found at configure time?)")
    results = []
    for tracked in (False, True):
        d = os.path.join(work, f"{tag}-{'tracked' if tracked else 'plain'}")
        os.mkdir(d)
        wrap = [PROVIO_RUN, "--out", os.path.join(work, tag), *provio_args, "--"] if tracked else []
        command = (["sh", "-c", 'exec "$0" "$@"'] if shell else []) + [program, os.path.join(d, "data"), *args]
        p = run((LAUNCH[family] if launch else []) + wrap + command, d, env=SINGLETON)
        data = os.path.join(d, "data")
        # the ranks' lines come in either order
        results.append((p.returncode, sorted(p.stdout.splitlines()), p.stderr,
                        open(data, "rb").read() if os.path.exists(data) else None))
    check(results[0][0] == 0, f"untracked run failed: {results[0][:3]}")
    check(results[1] == results[0], f"tracked run differs:\n untracked {results[0][:3]}\n tracked   {results[1][:3]}")
    return parse_records(os.path.join(work, tag)), os.path.join(work, f"{tag}-tracked", "data")


def mpiio_sessions(g, path):
    return [a for a in g.accesses_of(file_iri(path)) if g.objects(a, PV + "api") == ["mpiio"]]


def expect_mpiio(g, path, family, ranks=2):
    """One MPI-IO session per rank, with the bytes the ranks moved."""
    sessions = mpiio_sessions(g, path)
    check(len({g.one(a, PV + "partOf") for a in sessions}) == ranks and len(sessions) == ranks,
          f"{family}: {len(sessions)} MPI-IO sessions of {path}, expected one per rank")
    for a in sessions:
        got = {c: g.objects(a, PV + c) for c in ("bytesWritten", "bytesRead", "collectiveCalls")}
        check(got == {"bytesWritten": [str(BLOCK)], "bytesRead": [str(BLOCK)], "collectiveCalls": ["2"]},
              f"{family}: MPI-IO session counts {got}")


def case_mpich_program(work):
    """An MPICH program (MPI_STATUS_IGNORE is (MPI_Status *)1 there) under
    provio-run: runs as untracked, and its MPI-IO is recorded."""
    g, data = roundtrip(work, "mpich")
    expect_mpiio(g, data, "mpich")


def case_openmpi_program(work):
    g, data = roundtrip(work, "openmpi")
    expect_mpiio(g, data, "openmpi")


def case_detected_through_library(work):
    """A program whose MPI comes with a library it links, run without a
    launcher (nothing in the environment names an MPI): provio-run finds
    the family in the library's dependencies."""
    for family in LAUNCH:
        g, data = roundtrip(work, family, tag=family, name="via_library", launch=False)
        expect_mpiio(g, data, family, ranks=1)


def case_detected_by_launcher(work):
    """Each rank a shell that execs the MPI program: provio-run sees no MPI
    in the shell, and takes the family from the launcher's environment."""
    for family in LAUNCH:
        g, data = roundtrip(work, family, tag=family, shell=True)
        expect_mpiio(g, data, family)


def case_file_open_at_exit(work):
    """A process that exits with its MPI-IO file open and MPI not finalized:
    the module's exit hook, registered with the core, writes the session."""
    for family in LAUNCH:
        g, data = roundtrip(work, family, tag=family, launch=False, args=["open"])
        expect_mpiio(g, data, family, ranks=1)


def case_wrong_family_module(work):
    """Each family's program with only the other family's module loaded:
    it passes every call through (no crash, nothing recorded as MPI-IO);
    with both loaded, only the right one records, once."""
    for family, other in (("mpich", "openmpi"), ("openmpi", "mpich")):
        g, data = roundtrip(work, family, ("--mpi", other), tag=f"{family}-with-{other}")
        check(not mpiio_sessions(g, data), f"{family} program: the {other} module recorded MPI-IO")
        g, data = roundtrip(work, family, ("--mpi", "both"), tag=f"{family}-with-both")
        expect_mpiio(g, data, family)


def case_no_mpi_symbols(work):
    """A program without MPI that looks for it through weak symbols finds
    none under libprovio.so (preloaded by hand or by provio-run)."""
    same_behaviour([prog("weak_mpi")], work)
    plain = run([prog("weak_mpi")], work, check_rc=0)
    tracked = run([PROVIO_RUN, "--out", os.path.join(work, "run2"), "--", prog("weak_mpi")], work, check_rc=0)
    check(tracked.stdout == plain.stdout, f"under provio-run: {tracked.stdout!r}, untracked {plain.stdout!r}")
    parse_records(os.path.join(work, "run2"))


def case_modules_without_mpi(work):
    """Both MPI modules preloaded into programs that have no MPI: they
    behave as untracked."""
    cmd = "printf 'b\\na\\n' > in.txt; sort in.txt > out.txt; cat out.txt; cat missing; echo status=$?"
    plain = run(cmd, work)
    preload = ":".join([PRELOAD, MODULES["openmpi"], MODULES["mpich"]])
    tracked = run(cmd, work, env={"LD_PRELOAD": preload}, tracked_out=os.path.join(work, "run"))
    check((tracked.returncode, tracked.stdout, tracked.stderr) == (plain.returncode, plain.stdout, plain.stderr),
          f"tracked {tracked}, untracked {plain}")
    parse_records(os.path.join(work, "run"))


if __name__ == "__main__":
    main()
