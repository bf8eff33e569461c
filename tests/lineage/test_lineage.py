"""Ground-truth lineage (issue 9's acceptance): small programs whose true
ancestry is known run tracked, prov-merge builds a fresh store, and for every
output of the case prov-query's lineage must name exactly the expected
ancestor files -- no missing, no false one -- and the program that made it.
impact must be the exact inverse: for every pair of the case's data files,
A is in lineage(B) iff B's current content is in impact(A).

Each case states its ground truth as data, EXPECT-style:
    {target: (ancestors, made_by)}
with names relative to the case's directory (an HDF5 object as
FILE:/object); the target's own name among its ancestors means an earlier
version of it (old content that survives, as under an append); made_by a piece of the generating process's command line, or (piece, rank),
or a list of them when several processes made it (one job version).
Only files of the case's directory are compared: the environment (the
programs, /usr, /etc, ...) is not part of any ground truth here."""
import json
import os
import subprocess

from provio_e2e import Failure, check, main, run, tracked_env
import provio_e2e

BIN = os.environ.get("PROVIO_LINEAGE_BIN", "")
PROV_MERGE = os.environ.get("PROV_MERGE", "")
PROV_QUERY = os.environ.get("PROV_QUERY", "")
MPI_MODULE = os.environ.get("PROVIO_MPI_MODULE", "")
H5_PLUGIN_DIR = os.environ.get("PROVIO_H5_PLUGIN_DIR", "")
HOST = os.uname().nodename.split(".")[0]
FILE_KINDS = ("file", "file version", "hdf5 object", "object version")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2"]


class Case:
    """One case's directory, its tracked runs and what they recorded."""

    def __init__(self, work):
        self.work = work
        self.records = work + ".records"
        self.store = work + ".store"

    def path(self, name):
        return os.path.join(self.work, name)

    def inputs(self, *names):
        """Files the case starts from, written untracked (outside inputs)."""
        for n in names:
            with open(self.path(n), "w") as f:
                f.write(f"contents of {n}\n")

    def env(self, extra=None):
        return tracked_env(self.records, extra=dict({"PROVIO_LOG": self.work + ".log"}, **(extra or {})))

    def sh(self, cmd, extra=None):
        """A bash command line run tracked (bash included) in the directory."""
        run(cmd, self.work, env=self.env(extra), check_rc=0)

    def ops(self, label, *ops):
        """fileops LABEL OPS: each op a string of words (see progs/fileops.c)."""
        run([prog("fileops"), label] + " ".join(ops).split(), self.work, env=self.env(), check_rc=0)

    def mpi(self, mode):
        env = self.env()
        cmd = list(MPIRUN)
        for k in ("PROVIO_DIR", "PROVIO_LOG"):
            cmd += ["-x", f"{k}={env[k]}"]
        cmd += ["-x", f"LD_PRELOAD={provio_e2e.PRELOAD}:{MPI_MODULE}", prog("mpi_flow"), mode, self.work]
        run(cmd, self.work, check_rc=0)

    # ---- the store and the query ----------------------------------------

    def query(self, direction, name):
        p = run([PROV_QUERY, "-s", self.store, direction, self.path(name), "--format", "json"], self.work)
        if p.returncode == 6:
            return None
        check(p.returncode == 0, f"prov-query {direction} {name} exited {p.returncode}: {p.stderr[-1000:]!r}")
        return json.loads(p.stdout)

    def relative(self, node):
        """The case-relative name of a file-like node, or None (not a data
        file of the case: environment, pipes, ...)."""
        if node["kind"] not in FILE_KINDS:
            return None
        name = node["name"]
        if name.startswith(HOST + ":/"):
            name = name[len(HOST) + 1:]
        prefix = self.work + "/"
        return name[len(prefix):] if name.startswith(prefix) else None

    def lineage(self, name):
        """(ancestor names, target IRIs, the JSON) of name's lineage, or None."""
        j = self.query("lineage", name)
        if j is None:
            return None
        names = {self.relative(n) for n in j["nodes"] if not n.get("target")} - {None}
        return names, {n["iri"] for n in j["nodes"] if n.get("target")}, j

    def verify(self, expect, others=()):
        """Merges the records and checks expect = {target: (ancestors,
        made_by)}, then impact against lineage over every file named in
        expect and others.  Reports every problem, not only the first."""
        run([PROV_MERGE, "-q", "-s", self.store, self.records], self.work, check_rc=0)
        problems = []
        files = set(expect) | set(others)
        for target, (ancestors, _) in expect.items():
            files |= ancestors
        lin = {}
        for f in sorted(files):
            lin[f] = self.lineage(f)
            if lin[f] is None:
                problems.append(f"{f}: not in the store")
        for target, (ancestors, made_by) in sorted(expect.items()):
            if lin[target] is None:
                continue
            got, current, j = lin[target]
            missing, false = sorted(ancestors - got), sorted(got - ancestors)
            if missing or false:
                problems.append(f"lineage({target}): missing: {missing}, false: {false}")
            # its current content is one thing (N-1 writes: one job version)
            if len(current) != 1:
                problems.append(f"lineage({target}): starts from {len(current)} versions, not one")
            starts = {n["id"] for n in j["nodes"] if n.get("target")}
            makers = [j["nodes"][e["to"]] for e in j["edges"]
                      if e["from"] in starts and e["relation"] == "prov:wasGeneratedBy"]
            for want in made_by if isinstance(made_by, list) else [made_by]:
                piece, rank = want if isinstance(want, tuple) else (want, None)
                if not any(piece in n["name"] and (rank is None or f"rank {rank}," in n["detail"] + ",")
                           for n in makers):
                    problems.append(f"lineage({target}): not generated by '{piece}'"
                                    f"{'' if rank is None else f' of rank {rank}'}, but by "
                                    f"{sorted(n['name'] for n in makers)}")
        problems += self.inverse(files, lin)
        check(not problems, "\n  " + "\n  ".join(problems))

    def inverse(self, files, lin):
        """A in lineage(B) iff B (its current content: the IRIs its lineage
        starts from) is in impact(A)."""
        problems = []
        for a in sorted(files):
            if lin[a] is None:
                continue
            j = self.query("impact", a)
            reached = {(self.relative(n), n["iri"]) for n in j["nodes"]} if j else set()
            for b in sorted(files - {a}):
                if lin[b] is None:
                    continue
                names, current, _ = lin[b]
                in_impact = any(n == b and iri in current for n, iri in reached)
                if (a in names) != in_impact:
                    problems.append(f"inverse: {a} {'in' if a in names else 'not in'} lineage({b}) but {b} "
                                    f"{'in' if in_impact else 'not in'} impact({a})")
        return problems


def prog(name):
    return os.path.join(BIN, name)


def copy(label, src, dst, mode="w"):
    """fileops ops that read src and write what was read to dst."""
    return (label, f"open i {src} r", "read i", f"open o {dst} {mode}", "write o", "close o", "close i")


# ---- replacement, revision, sessions -------------------------------------

def case_late_read(work):
    """in is opened before out is written but read only after out is closed:
    it is no source of out."""
    c = Case(work)
    c.inputs("a", "late")
    c.ops("L", "open i a r", "read i", "open l late r", "open o out w", "write o", "close o",
          "read l", "close l", "close i")
    c.verify({"out": ({"a"}, "fileops L")}, others=["late"])


def case_truncate_overwrite(work):
    """B truncates f (O_TRUNC) and writes it from b: A's content is gone."""
    c = Case(work)
    c.inputs("a", "b")
    c.ops(*copy("A", "a", "f"))
    c.ops(*copy("B", "b", "f"))
    c.verify({"f": ({"b"}, "fileops B")}, others=["a"])


def case_append(work):
    """B appends to what A wrote: both contents survive."""
    c = Case(work)
    c.inputs("a", "b")
    c.ops(*copy("A", "a", "f"))
    c.ops(*copy("B", "b", "f", mode="a"))
    c.verify({"f": ({"a", "b", "f"}, "fileops B")})


def case_rename_over(work):
    """mv tmp out over an existing out: the old out's input is gone."""
    c = Case(work)
    c.inputs("a", "b")
    c.ops(*copy("A", "a", "out"))
    c.ops(*copy("B", "b", "tmp"))
    c.sh("mv tmp out")
    c.verify({"out": ({"tmp", "b"}, "mv tmp out"), "tmp": ({"b"}, "fileops B")}, others=["a"])


def case_unlink_create(work):
    """f is removed and a new f made: a new history."""
    c = Case(work)
    c.inputs("a", "b")
    c.ops(*copy("A", "a", "f"))
    c.sh("rm f")
    c.ops(*copy("B", "b", "f"))
    c.verify({"f": ({"b"}, "fileops B")}, others=["a"])


def case_rdwr_nothing_written(work):
    """C opens f O_RDWR|O_CREAT after A wrote it and writes nothing; the
    reader's output derives from A's input only."""
    c = Case(work)
    c.inputs("a", "c")
    c.ops(*copy("A", "a", "f"))
    c.ops("C", "open i c r", "read i", "open o f rw", "close o", "close i")
    c.ops(*copy("R", "f", "out"))
    c.verify({"f": ({"a"}, "fileops A"), "out": ({"f", "a"}, "fileops R")}, others=["c"])


def case_links(work):
    """Reads through a symbolic link and a hard link (made untracked after
    A wrote f) reach f's writer."""
    c = Case(work)
    c.inputs("a")
    c.ops(*copy("A", "a", "f"))
    os.symlink("f", c.path("s"))
    os.link(c.path("f"), c.path("h"))
    c.ops(*copy("R1", "s", "o1"))
    c.ops(*copy("R2", "h", "o2"))
    c.verify({"o1": ({"f", "a"}, "fileops R1"), "o2": ({"f", "a"}, "fileops R2")})


def case_open_writer(work):
    """R reads f while W still holds it open (W wrote and fsynced, then
    signals R through a pipe and closes only after R is done)."""
    c = Case(work)
    c.inputs("a")
    written_r, written_w = os.pipe()
    done_r, done_w = os.pipe()
    env = c.env()
    writer = subprocess.Popen([prog("fileops"), "W", "open", "i", "a", "r", "read", "i", "open", "o", "f", "w",
                               "write", "o", "fsync", "o", "post", str(written_w), "wait", str(done_r),
                               "close", "o"], cwd=work, env=env, pass_fds=(written_w, done_r))
    reader = subprocess.Popen([prog("fileops"), "R", "wait", str(written_r), "open", "i", "f", "r", "read", "i",
                               "open", "o", "out", "w", "write", "o", "close", "o", "post", str(done_w)],
                              cwd=work, env=env, pass_fds=(written_r, done_w))
    for fd in (written_r, written_w, done_r, done_w):
        os.close(fd)
    check(writer.wait() == 0 and reader.wait() == 0, f"exit {writer.returncode}, {reader.returncode}")
    c.verify({"f": ({"a"}, "fileops W"), "out": ({"f", "a"}, "fileops R")})


# ---- MPI -----------------------------------------------------------------

def case_mpi_bcast(work):
    """Rank 0 reads params and broadcasts them; rank 1 reads r1, which never
    reaches rank 0."""
    c = Case(work)
    c.inputs("params", "r1")
    c.mpi("bcast")
    c.verify({"out0": ({"params"}, ("mpi_flow", 0)), "out1": ({"params", "r1"}, ("mpi_flow", 1))})


def case_mpi_reduce(work):
    """A reduce to rank 0: out0 from both ranks' inputs, out1 from its own."""
    c = Case(work)
    c.inputs("in0", "in1")
    c.mpi("reduce")
    c.verify({"out0": ({"in0", "in1"}, ("mpi_flow", 0)), "out1": ({"in1"}, ("mpi_flow", 1))})


def case_mpi_sendrecv(work):
    """Rank 0 sends to rank 1: out1 from both inputs, out0 from in0."""
    c = Case(work)
    c.inputs("in0", "in1")
    c.mpi("sendrecv")
    c.verify({"out0": ({"in0"}, ("mpi_flow", 0)), "out1": ({"in0", "in1"}, ("mpi_flow", 1))})


def case_mpi_n1(work):
    """Both ranks pwrite one shared file: one version, made by both."""
    c = Case(work)
    c.inputs("in0", "in1")
    c.mpi("n1")
    c.verify({"shared": ({"in0", "in1"}, [("mpi_flow", 0), ("mpi_flow", 1)])})


def case_mpi_io_collective(work):
    """MPI_File_write_at_all of both ranks into one file: one version."""
    c = Case(work)
    c.inputs("in0", "in1")
    c.mpi("mpiio")
    c.verify({"shared": ({"in0", "in1"}, [("mpi_flow", 0), ("mpi_flow", 1)])})


# ---- what real programs do -----------------------------------------------

def case_pipe(work):
    """cat a | prog > out."""
    c = Case(work)
    c.inputs("a")
    c.sh(f"cat a | {prog('fileops')} P fd i 0 read i fd o 1 write o > out")
    c.verify({"out": ({"a"}, "fileops P")})


def case_fifo(work):
    """W writes a FIFO that R reads (both run at once)."""
    c = Case(work)
    c.inputs("a")
    os.mkfifo(c.path("fifo"))
    ops = prog("fileops")
    c.sh(f"{ops} W open i a r read i open o fifo w write o close o & "
         f"{ops} R open i fifo r read i open o out w write o close o; wait $!")
    c.verify({"out": ({"fifo", "a"}, "fileops R")})


def case_redirect(work):
    """sort < a > out."""
    c = Case(work)
    c.inputs("a")
    c.sh("sort < a > out")
    c.verify({"out": ({"a"}, "sort")})


def case_cp(work):
    """cp copies with copy_file_range."""
    c = Case(work)
    c.inputs("a")
    c.sh("cp a out")
    c.verify({"out": ({"a"}, "cp a out")})


def case_make(work):
    """make starts its recipe with posix_spawn; the recipe copies in to out."""
    c = Case(work)
    c.inputs("in")
    with open(c.path("Makefile"), "w") as f:
        f.write("out: in\n\tcp in out\n")
    c.sh("make -s")
    c.verify({"out": ({"in"}, "cp in out")}, others=["Makefile"])


def case_mmap(work):
    """a read through a private mapping into mid; mid written to out through
    a shared writable mapping."""
    c = Case(work)
    c.inputs("a")
    c.sh(f"{prog('mmapio')} read a mid && {prog('mmapio')} write mid out")
    c.verify({"mid": ({"a"}, "mmapio read"), "out": ({"mid", "a"}, "mmapio write")})


def case_fork_inherited(work):
    """The parent opens out; its forked child reads in and writes out
    through the inherited descriptor."""
    c = Case(work)
    c.inputs("in")
    c.ops("P", "open o out w", "child", "open i in r", "read i", "write o", "end", "close o")
    c.verify({"out": ({"in"}, "fileops P")})


def case_hdf5_objects(work):
    """Reads /a/x and writes /b/y of one file: /a/x is an ancestor of
    /b/y, /a/z (in the same file, never read) is not."""
    c = Case(work)
    h5 = {"HDF5_PLUGIN_PATH": H5_PLUGIN_DIR, "HDF5_VOL_CONNECTOR": "provio under_vol=0;under_info={}"}
    c.sh(f"{prog('h5obj')} make data.h5 && {prog('h5obj')} derive data.h5", extra=h5)
    c.verify({"data.h5:/b/y": ({"data.h5:/a/x"}, "h5obj derive")}, others=["data.h5:/a/z"])


if __name__ == "__main__":
    main({name[5:]: fn for name, fn in globals().items() if name.startswith("case_")})
