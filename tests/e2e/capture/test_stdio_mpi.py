"""End-to-end tests of the stdio and MPI capture modules: programs run
tracked, their records parsed by rapper and checked against what the
programs did (exact byte and call counts), against untracked runs (same
output, same exit status) and against the wrapper lists in the sources."""
import ctypes
import os
import re
import subprocess

from provio_e2e import (PROV, PV, PRELOAD, PROVIO_LIB, RDF_TYPE, SANITIZER_RUNTIME, TEST_BIN, check, file_iri, main, parse_records,
                        run, tracked_env)

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "interpose")
# The MPI wrappers are in the module of the MPI family these programs use,
# preloaded beside libprovio.so (interpose/mpi.c).
MPI_MODULE = os.path.join(os.path.dirname(PROVIO_LIB), "libprovio-mpi-openmpi.so")
MPI_PRELOAD = PRELOAD + ":" + MPI_MODULE
COUNTERS = ("bytesRead", "bytesWritten", "reads", "writes", "seeks", "syncs", "metaOps", "collectiveCalls")


def wrapped(source, macro, typed=False):
    """Names in an X-macro list of an interpose/ source file: each entry's
    first argument, or its second where the first is the return type."""
    src = open(os.path.join(SRC, source)).read()
    block = src[src.index(f"#define {macro}(X)"):]
    block = block[:block.index("\n\n")]
    return re.findall(r"X\(\s*[^,]+,\s*(\w+)," if typed else r"X\(\s*(\w+),", block)


def stdio_functions():
    return wrapped("stdio.c", "STDIO_FUNCTIONS", typed=True) + wrapped("stdio.c", "STDIO_VARIADIC")


def mpi_functions():
    names = wrapped("mpi.c", "MPI_FUNCTIONS") + wrapped("mpi.c", "MPI_DATA_FUNCTIONS")
    return [prefix + n for n in names for prefix in ("MPI_", "PMPI_")]


def file_accesses(g, path, api=None):
    """The FileAccess records of path (optionally of one api)."""
    found = [a for a in g.accesses_of(file_iri(path)) if PV + "FileAccess" in g.objects(a, RDF_TYPE)]
    return [a for a in found if api is None or g.one(a, PV + "api") == api]


def counts(g, acc):
    """The access's call and byte counters, absent ones as 0."""
    return {c: int(g.objects(acc, PV + c)[0]) if g.objects(acc, PV + c) else 0 for c in COUNTERS}


def expect_counts(g, acc, what, **expected):
    got = counts(g, acc)
    want = {c: expected.get(c, 0) for c in COUNTERS}
    check(got == want, f"{what}: counts {got}, expected {want}")


def calls(g, function):
    return [s for s, p, o in g.triples if p == PV + "function" and o == function]


def mpirun(env, *contexts):
    """mpirun of (n, program...) contexts, env set for the ranks only (not
    for mpirun itself); -x belongs to each context."""
    cmd = ["mpirun", "--oversubscribe", "--allow-run-as-root"]
    for i, (n, *program) in enumerate(contexts):
        cmd += [":"] if i else []
        for k, v in env.items():
            cmd += ["-x", f"{k}={v}"]
        cmd += ["-n", str(n)] + program
    return cmd


def rank_env(out, mode=None):
    """What tracked_env sets, to pass to the ranks with mpirun -x."""
    env = tracked_env(out, mode, {"LD_PRELOAD": MPI_PRELOAD})
    return {k: env[k] for k in ("LD_PRELOAD", "PROVIO_DIR", "PROVIO_LOG", "PROVIO_MODE") if k in env}


# ---- stdio ------------------------------------------------------------------

def stdio_inputs(d):
    """The files stdio_counts reads, and the numbers it should produce."""
    open(os.path.join(d, "lines.txt"), "w").write("".join(f"line {i:04d} ---------\n" for i in range(50)))
    open(os.path.join(d, "chars.txt"), "w").write("c" * 300)
    open(os.path.join(d, "blocks.bin"), "wb").write(bytes(range(250)) * 40)
    open(os.path.join(d, "getline.txt"), "w").write("".join("a" * i + "\n" for i in range(30)))
    open(os.path.join(d, "nums.txt"), "w").write("1 2 3 4 5\n")
    open(os.path.join(d, "probe.txt"), "w").write("probe\n")


CREATED = "O_WRONLY|O_CREAT|O_TRUNC"
STDIO_EXPECTED = {  # file: (api, open flags, counters)
    "fwrite.txt": ("stdio", CREATED, dict(writes=75, bytesWritten=3700)),
    "lines.txt": ("stdio", "O_RDONLY", dict(reads=51, bytesRead=1000)),
    "chars.txt": ("stdio", "O_RDONLY", dict(reads=301, bytesRead=300)),
    "blocks.bin": ("stdio", "O_RDONLY", dict(reads=4, bytesRead=10000)),
    "getline.txt": ("stdio", "O_RDONLY", dict(reads=31, bytesRead=465)),
    "nums.txt": ("stdio", "O_RDONLY", dict(reads=6)),  # scanf returns items, not bytes
    "fprintf.txt": ("stdio", CREATED, dict(writes=22, bytesWritten=97)),
    "mixed.txt": ("posix", CREATED, dict(writes=7, bytesWritten=130)),
    "seek.txt": ("stdio", "O_RDWR|O_CREAT|O_TRUNC",
                 dict(writes=1, bytesWritten=10, reads=1, bytesRead=10, seeks=5, metaOps=1)),
    "out.txt": ("inherited", None, dict(writes=5, bytesWritten=20)),
    "reopened.txt": ("stdio", CREATED, dict(writes=3, bytesWritten=24)),
}


def run_stdio_counts(d, out, mode=None):
    """stdio_counts with its stdout on d/out.txt, as `stdio_counts d > out.txt`."""
    with open(os.path.join(d, "out.txt"), "wb") as stdout:
        env = tracked_env(out, mode) if out else None
        return subprocess.run([os.path.join(TEST_BIN, "stdio_counts"), d], cwd=d, env=env, stdout=stdout,
                              stderr=subprocess.PIPE)


def case_stdio_counts(work):
    """Exact byte and call counts of stdio sessions, the standard output
    redirected to a file included, and stdio counted once (not again by the
    POSIX layer glibc's stdio sits on)."""
    d, out = os.path.join(work, "data"), os.path.join(work, "prov")
    os.mkdir(d)
    stdio_inputs(d)
    p = run_stdio_counts(d, out)
    check(p.returncode == 3, f"stdio_counts exited {p.returncode}: {p.stderr!r}")
    g = parse_records(out)
    procs = g.process_by_command("stdio_counts")
    check(len(procs) == 1 and g.one(procs[0], PV + "exitStatus") == "3", f"process {procs}")
    for name, (api, flags, expected) in STDIO_EXPECTED.items():
        path = os.path.join(d, name)
        acc = file_accesses(g, path)
        check(len(acc) == 1, f"{name}: {len(acc)} access records, expected 1")
        a = acc[0]
        check(g.one(a, PV + "api") == api, f"{name}: api {g.one(a, PV + 'api')}, expected {api}")
        if flags:
            check(g.one(a, PV + "openFlags") == flags, f"{name}: flags {g.one(a, PV + 'openFlags')}")
        expect_counts(g, a, name, **expected)
        if "bytesWritten" in expected:  # what was counted is what the file holds
            check(os.path.getsize(path) == expected["bytesWritten"], f"{name}: size {os.path.getsize(path)}")
            check(g.objects(a, PV + "version"), f"{name}: written but no version")
        if "reads" in expected:
            check(file_iri(path) in g.objects(procs[0], PROV + "used"), f"{name}: not used")


def case_stdio_wrappers(work):
    """Every stdio wrapper fires on this glibc (trace mode), and in trace
    mode too nothing below stdio is seen: no read or write calls on files
    only stdio touched."""
    d, out = os.path.join(work, "data"), os.path.join(work, "prov")
    os.mkdir(d)
    run([os.path.join(TEST_BIN, "all_stdio"), d], d, tracked_out=out, mode="trace", check_rc=0,
        stdin=b"7 8 9 10 x\n")
    g = parse_records(out)
    seen = {o for s, p, o in g.triples if p == PV + "function"}
    libc = ctypes.CDLL(None)
    missing = sorted(n for n in set(stdio_functions()) - seen if hasattr(libc, n))  # newer glibc's
    check(not missing, f"stdio wrappers that never fired: {missing}")

    d2, out2 = os.path.join(work, "data2"), os.path.join(work, "prov2")
    os.mkdir(d2)
    stdio_inputs(d2)
    check(run_stdio_counts(d2, out2, "trace").returncode == 3, "stdio_counts (trace) failed")
    g = parse_records(out2)

    def functions_on(name):
        iri = file_iri(os.path.join(d2, name))
        fns = {}
        for c in g.subjects(PV + "file", iri):
            for f in g.objects(c, PV + "function"):
                fns[f] = fns.get(f, 0) + 1
        return fns

    check(functions_on("fwrite.txt") == {"fopen": 1, "fwrite": 75, "fclose": 1},
          f"calls on fwrite.txt: {functions_on('fwrite.txt')}")
    check(functions_on("mixed.txt") == {"open": 1, "write": 3, "fdopen": 1, "fwrite": 4, "fclose": 1},
          f"calls on mixed.txt: {functions_on('mixed.txt')}")
    posix_io = {"read", "write", "pread", "pwrite", "readv", "writev", "pread64", "pwrite64", "open", "close"}
    for name in ("lines.txt", "chars.txt", "blocks.bin", "getline.txt", "fprintf.txt", "seek.txt"):
        check(not posix_io & set(functions_on(name)), f"POSIX calls seen on {name}: {functions_on(name)}")
    # each call's result is the bytes it moved
    results = {int(g.one(c, PV + "result")) for c in g.subjects(PV + "file", file_iri(os.path.join(d2, "blocks.bin")))
               if set(g.objects(c, PV + "function")) & {"fread", "__fread_chk"}}
    check(results == {4096, 1808, 0}, f"fread results {results}")


def case_stdio_identical(work):
    """The same output, files and exit status, tracked or not, in both
    modes; errno after failing stdio calls included (stdio_counts prints
    them)."""
    for mode in ("summary", "trace"):
        results = []
        for tracked in (False, True):
            d = os.path.join(work, f"{mode}-{tracked}")
            os.mkdir(d)
            stdio_inputs(d)
            out = os.path.join(work, f"prov-{mode}") if tracked else None
            p = run_stdio_counts(d, out, mode)
            q = run([os.path.join(TEST_BIN, "all_stdio"), d], d, tracked_out=out, mode=mode, stdin=b"7 8 9 10 x\n")
            r = run("sort -r lines.txt | sed 's/line/LINE/' | awk '{print $2, $1}' > sorted.txt; "
                    "cat sorted.txt | head -3", d, tracked_out=out, mode=mode)
            files = {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}
            results.append(((p.returncode, p.stderr), (q.returncode, q.stdout, q.stderr),
                            (r.returncode, r.stdout, r.stderr), files))
            if tracked:
                parse_records(out)
        check(results[0] == results[1], f"{mode}: tracked run differs:\n{results[0]!r}\n{results[1]!r}")
        check(results[1][0][0] == 3 and results[1][1][0] == 0, f"{mode}: exit statuses {results[1][:2]}")


# ---- MPI ----------------------------------------------------------------------

def case_mpi_io(work):
    """Two ranks of four threads each: rank and size on each process, exact
    per-thread stdio and POSIX counts, MPI-IO counted at its own level
    (count * type size, collective calls) with the POSIX I/O beneath marked
    viaLayer "mpiio"; output as without provio."""
    prog = os.path.join(TEST_BIN, "mpi_io")
    runs = []
    for tracked in (False, True):
        d = os.path.join(work, f"data-{tracked}")
        os.mkdir(d)
        out = os.path.join(work, "prov")
        env = rank_env(out) if tracked else {}
        p = run(mpirun(env, (2, prog, d)), d)
        files = {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}
        runs.append((p.returncode, p.stdout, files))
    check(runs[0] == runs[1], f"tracked run differs: {runs[0][:2]!r} {runs[1][:2]!r}")
    check(runs[1][0] == 0, f"mpi_io exited {runs[1][0]}")
    d = os.path.join(work, "data-True")
    g = parse_records(os.path.join(work, "prov"))
    procs = g.process_by_command("mpi_io")
    check(len(procs) == 2, f"{len(procs)} mpi_io processes")
    by_rank = {}
    for proc in procs:
        check(g.objects(proc, PV + "worldSize") == ["2"], f"worldSize {g.objects(proc, PV + 'worldSize')}")
        by_rank[int(g.one(proc, PV + "rank"))] = proc
    check(sorted(by_rank) == [0, 1], f"ranks {sorted(by_rank)}")
    for rank, proc in by_rank.items():
        threads = set()
        for t in range(4):
            txt, bin_ = (os.path.join(d, f"r{rank}.t{t}.{ext}") for ext in ("txt", "bin"))
            a = file_accesses(g, txt)
            check(len(a) == 1 and g.one(a[0], PV + "api") == "stdio", f"{txt}: {a}")
            expect_counts(g, a[0], txt, writes=200, bytesWritten=6400)
            b = file_accesses(g, bin_)
            check(len(b) == 1 and g.one(b[0], PV + "api") == "posix", f"{bin_}: {b}")
            expect_counts(g, b[0], bin_, writes=50, bytesWritten=3200)
            thread = g.one(a[0], PROV + "wasAssociatedWith")
            check(g.one(b[0], PROV + "wasAssociatedWith") == thread, f"{txt} and {bin_}: two threads")
            check(g.one(thread, PV + "threadOf") == proc and g.one(a[0], PV + "partOf") == proc,
                  f"{txt}: not rank {rank}'s thread")
            threads.add(thread)
        check(len(threads) == 4, f"rank {rank}: files written by {len(threads)} threads, expected 4")

    shared = os.path.join(d, "shared.dat")
    mpiio = file_accesses(g, shared, "mpiio")
    check(sorted(g.one(a, PV + "partOf") for a in mpiio) == sorted(procs), f"MPI-IO sessions {mpiio}")
    for a in mpiio:
        expect_counts(g, a, "shared.dat (mpiio)", writes=2, bytesWritten=8000, reads=3, bytesRead=10000,
                      collectiveCalls=2, syncs=1)
        check(g.one(a, PV + "openFlags") == "O_RDWR|O_CREAT", f"MPI-IO flags {g.one(a, PV + 'openFlags')}")
        check(g.objects(a, PV + "version"), "MPI-IO session wrote but has no version")
    posix = file_accesses(g, shared, "posix")
    check({g.one(a, PV + "partOf") for a in posix} == set(procs), "a rank without POSIX I/O beneath MPI-IO")
    check(all(g.objects(a, PV + "viaLayer") == ["mpiio"] for a in posix),
          f"POSIX sessions of shared.dat not marked mpiio: {[counts(g, a) for a in posix]}")
    written = sum(counts(g, a)["bytesWritten"] for a in posix)
    check(written >= 16000, f"POSIX bytes written beneath MPI-IO: {written}")


def case_mpi_wrappers(work):
    """Every MPI wrapper fires (trace mode), under both names, through the
    four ways MPI starts; the rank and size come from MPI_Init; bytes of
    each call are count * type size."""
    d, out = os.path.join(work, "data"), os.path.join(work, "prov")
    os.mkdir(d)
    prog = os.path.join(TEST_BIN, "all_mpi")
    inits = (("Init", "mpi"), ("PInit_thread", "pmpi"), ("Init_thread", "none"), ("PInit", "none"))
    run(mpirun(rank_env(out, "trace"), *((1, prog, init, names, d) for init, names in inits)), d, check_rc=0)
    g = parse_records(out)
    seen = {o for s, p, o in g.triples if p == PV + "function"}
    missing = sorted(set(mpi_functions()) - seen)
    check(not missing, f"MPI wrappers that never fired: {missing}")
    procs = g.process_by_command("all_mpi")
    check(sorted(int(g.one(p, PV + "rank")) for p in procs) == [0, 1, 2, 3], "ranks")
    check(all(g.objects(p, PV + "worldSize") == ["4"] for p in procs), "world sizes")
    for names in ("mpi", "pmpi"):
        init = "Init" if names == "mpi" else "PInit_thread"
        acc = file_accesses(g, os.path.join(d, f"all_mpi.{init}.{names}.dat"), "mpiio")
        check(len(acc) == 1, f"{names}: {len(acc)} MPI-IO sessions")
        expect_counts(g, acc[0], f"all_mpi {names}", writes=11, bytesWritten=176, reads=11, bytesRead=176,
                      collectiveCalls=10, syncs=1, metaOps=1)
    for fn in ("MPI_File_write_at", "PMPI_File_iread_all", "MPI_File_read_ordered"):
        check([g.one(c, PV + "result") for c in calls(g, fn)] == ["16"], f"{fn}: result")


def case_mpi_singleton(work):
    """Without a launcher (no rank in the environment) the rank and size
    come from MPI_Init itself, through PMPI_Comm_rank on OpenMPI's world."""
    d, out = os.path.join(work, "data"), os.path.join(work, "prov")
    os.mkdir(d)
    root = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "LD_PRELOAD": MPI_PRELOAD}
    run([os.path.join(TEST_BIN, "all_mpi"), "Init", "mpi", d], d, env=root, tracked_out=out, check_rc=0)
    g = parse_records(out)
    procs = [p for p in g.process_by_command("all_mpi Init") if not g.objects(p, PV + "forkedFrom")]
    check(len(procs) == 1, f"processes {procs}")
    check(g.one(procs[0], PV + "rank") == "0" and g.one(procs[0], PV + "worldSize") == "1", "rank and size")
    ranks = [o for o in g.objects(procs[0], PROV + "wasAssociatedWith") if PV + "Rank" in g.objects(o, RDF_TYPE)]
    check(len(ranks) == 1 and ranks[0].endswith("/rank/0"), f"rank agent {ranks}")
    check(len(file_accesses(g, os.path.join(d, "all_mpi.Init.mpi.dat"), "mpiio")) == 1, "MPI-IO session")


def case_mpi_stacking(work):
    """Another MPI tool that calls PMPI_Init and PMPI_File_open itself
    (like Darshan), preloaded after provio and before it: the program runs,
    the tool runs, and each event is recorded once, by the outermost of our
    wrappers it reaches."""
    stacker = os.environ["STACKER_LIB"]
    prog = os.path.join(TEST_BIN, "all_mpi")
    for order, outer in (("provio-first", "MPI_"), ("tool-first", "PMPI_")):
        d, out = os.path.join(work, order), os.path.join(work, f"prov-{order}")
        os.mkdir(d)
        env = rank_env(out, "trace")
        log = os.path.join(d, "stacker.log")
        # the sanitizer runtime (in MPI_PRELOAD) must come first either way
        libs = [MPI_PRELOAD, stacker] if outer == "MPI_" else [SANITIZER_RUNTIME, stacker, PROVIO_LIB, MPI_MODULE]
        env.update(LD_PRELOAD=":".join(filter(None, libs)), STACKER_LOG=log)
        run(mpirun(env, (1, prog, "Init", "mpi", d)), d, check_rc=0)
        check(open(log).read() == "MPI_Init\nMPI_File_open\n", f"{order}: the tool did not run")
        g = parse_records(out)
        inner = "PMPI_" if outer == "MPI_" else "MPI_"
        for fn in ("Init", "File_open"):
            check(len(calls(g, outer + fn)) == 1 and not calls(g, inner + fn),
                  f"{order}: {fn} recorded {len(calls(g, outer + fn))} + {len(calls(g, inner + fn))} times")
        acc = file_accesses(g, os.path.join(d, "all_mpi.Init.mpi.dat"), "mpiio")
        check(len(acc) == 1, f"{order}: {len(acc)} MPI-IO sessions")
        check(len(g.process_by_command("all_mpi")) == 1, f"{order}: processes")


def case_mpi_dlopen(work):
    """MPI in a module loaded with RTLD_LOCAL (as Python loads mpi4py): the
    wrappers find libmpi although RTLD_NEXT cannot, and record as usual."""
    prog, module = os.path.join(TEST_BIN, "mpi_dlopen"), os.environ["MPI_MODULE"]
    runs = []
    for tracked in (False, True):
        d = os.path.join(work, f"data-{tracked}")
        os.mkdir(d)
        env = rank_env(os.path.join(work, "prov")) if tracked else {}
        p = run(mpirun(env, (1, prog, module, "out.dat")), d)
        runs.append((p.returncode, p.stdout, open(os.path.join(d, "out.dat"), "rb").read()))
    check(runs[0] == runs[1] and runs[1][0] == 0, f"tracked run differs: {runs}")
    g = parse_records(os.path.join(work, "prov"))
    acc = file_accesses(g, os.path.join(work, "data-True", "out.dat"), "mpiio")
    check(len(acc) == 1, f"{len(acc)} MPI-IO sessions")
    expect_counts(g, acc[0], "out.dat", writes=1, bytesWritten=16)


if __name__ == "__main__":
    main({name[5:]: fn for name, fn in globals().items() if name.startswith("case_")})
