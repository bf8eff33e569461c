"""prov-merge and prov-query where stores and records live in practice
(docs/prov-merge.md, "The store, and why a merge never damages it" and
"What it reads"): a FUSE mount that refuses rename flags, a file system
without locks, a damaged store, a killed merge, records planted by another
user, FIFOs, sparse files, and a job merged while it runs.

Cases: bindfs, nolocks, damaged, killed, foreign, fifo, sparse, running."""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

from provio_e2e import PRELOAD, SANITIZER_RUNTIME, check, main, run

PROV_MERGE = os.environ["PROV_MERGE"]
PROV_QUERY = os.environ["PROV_QUERY"]
GEN_JOB = os.environ["GEN_JOB"]
NOLOCKS = os.environ["NOLOCKS"]
MKSTORE = os.environ["MKSTORE"]
SKIP = 77
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def gen(work, name, n=3000, job="A", extra=()):
    run([GEN_JOB, "-n", str(n), "-j", job, "-H", "1", "-P", "2", "-S", "1", *extra, name], work, check_rc=0)
    return os.path.join(work, name)


def merge(work, *args, rc=0, env=None):
    p = run([PROV_MERGE, *args], work, env=env)
    check(p.returncode == rc, f"prov-merge {args} exited {p.returncode}, expected {rc}: {p.stderr[-2000:]!r}")
    return p.stderr.decode()


def count(work, store, rc=0):
    p = run([PROV_QUERY, "-s", store, COUNT], work)
    check(p.returncode == rc, f"prov-query exited {p.returncode}, expected {rc}: {p.stderr!r}")
    return int(p.stdout.split()[1]) if rc == 0 else p.stderr.decode()


def dump(work, store):
    """The store's triples, sorted (a merge of nothing new changes nothing)."""
    out = os.path.join(work, "dump.nt")
    merge(work, "-q", "-s", store, "-o", out, os.path.join(work, "nothing"))
    return sorted(open(out, "rb").read().splitlines())


def marker(store):
    return dict(line.split("=", 1) for line in open(os.path.join(store, "provio-store")).read().splitlines()
                if "=" in line)


def segments(store):
    """The data directories the store's marker names (one per merge, until
    compaction folds them)."""
    return [line[5:] for line in open(os.path.join(store, "provio-store")).read().splitlines()
            if line.startswith("data=")]


def data_file(store, name):
    return os.path.join(store, marker(store)["data"], name)


def nothing(work):
    """An empty record file: merging it adds nothing."""
    os.makedirs(os.path.join(work, "nothing"), mode=0o700, exist_ok=True)
    open(os.path.join(work, "nothing", "0.0.0.nt"), "w").close()


def case_bindfs(work):
    """A store on a FUSE mount (bindfs: no rename flags) is created, merged
    into a second time and queried."""
    if not shutil.which("bindfs") or not os.path.exists("/dev/fuse"):
        print("SKIP: no bindfs or no /dev/fuse")
        sys.exit(SKIP)
    real, mnt = os.path.join(work, "real"), os.path.join(work, "mnt")
    os.makedirs(real)
    os.makedirs(mnt)
    p = run(["bindfs", "-n", real, mnt], work)
    if p.returncode != 0:
        print(f"SKIP: cannot mount bindfs: {p.stderr.decode().strip()}")
        sys.exit(SKIP)
    try:
        a, b = gen(work, "a", job="A"), gen(work, "b", job="B")
        store = os.path.join(mnt, "store")
        merge(work, "-q", "-s", store, a)
        n1 = count(work, store)
        merge(work, "-q", "-s", store, b)
        n2 = count(work, store)
        check(n2 > n1 > 0, f"store sizes {n1}, {n2}")
        merge(work, "-q", "-s", os.path.join(work, "local"), a, b)
        check(count(work, os.path.join(work, "local")) == n2, "the FUSE store differs from a local one")
        left = sorted(os.listdir(store))
        check(sorted(n for n in left if n.startswith("data.")) == sorted(segments(store)) and len(segments(store)) == 2,
              f"left in the store: {left}")
        check(os.listdir(mnt) == ["store"], f"left beside the store: {os.listdir(mnt)}")
    finally:
        run(["fusermount", "-u", mnt], work)


def case_nolocks(work):
    """Where flock and fcntl locks fail (Lustre noflock), the merge locks
    with an owner file: merges work, a live owner refuses a second merge
    with its pid, a dead one's file is removed."""
    env = dict(os.environ, LD_PRELOAD=":".join(filter(None, [SANITIZER_RUNTIME, NOLOCKS])))
    a, b = gen(work, "a", job="A"), gen(work, "b", job="B")
    store = os.path.join(work, "store")
    merge(work, "-q", "-s", store, a, env=env)
    merge(work, "-q", "-s", store, b, env=env)
    owner = os.path.join(store, "provio-lock.owner")
    check(not os.path.exists(owner), "owner file left after the merge")
    host = os.uname().nodename
    # a live owner: this test
    open(owner, "w").write(f"{os.getpid()} {host}\n")
    err = merge(work, "-s", store, a, rc=4, env=env)
    check(f"pid {os.getpid()} on {host}" in err and owner in err, f"message: {err!r}")
    # a dead one: a child that has exited
    child = subprocess.Popen(["true"])
    child.wait()
    open(owner, "w").write(f"{child.pid} {host}\n")
    merge(work, "-q", "-s", store, gen(work, "c", job="C"), env=env)
    check(not os.path.exists(owner), "stale owner file kept")


def case_damaged(work):
    """A truncated store file: prov-query and prov-merge refuse it with exit
    7 and one line that says how to rebuild; Berkeley DB says nothing."""
    nothing(work)
    a = gen(work, "a")
    store = os.path.join(work, "store")
    merge(work, "-q", "-s", store, a)
    good = count(work, store)
    db = data_file(store, "provio-sp2o.db")
    size = os.path.getsize(db)
    os.truncate(db, size // 2)
    for cmd in ([PROV_QUERY, "-s", store, COUNT], [PROV_QUERY, "-s", store, "stats"],
                [PROV_MERGE, "-s", store, a]):
        p = run(cmd, work)
        err = p.stderr.decode()
        check(p.returncode == 7, f"{cmd[0]} on a truncated store exited {p.returncode}: {err!r}")
        check(err.count("\n") == 1 and "damaged" in err and "prov-merge -s NEW_STORE" in err, f"message: {err!r}")
        check("provio-sp2o.db" in err and "BDB" not in err, f"message: {err!r}")
    check(os.path.getsize(db) == size // 2, "the merge touched the damaged store")
    # same size, other bytes: the merge's checksums see it
    os.truncate(db, size)
    merge(work, "-s", store, a, rc=7)
    # a store without checksums (as pv_store_create makes them): what
    # Berkeley DB finds wrong comes as the same one line, not BDB's own
    flat = os.path.join(work, "flat")
    good_nt = os.path.join(work, "good.nt")
    merge(work, "-q", "-o", good_nt, a)
    p = run([MKSTORE, flat, good_nt], work)
    check(p.returncode == 0, f"query_mkstore: {p.stderr!r}")
    check(count(work, flat) == good, "flat store count")
    os.truncate(os.path.join(flat, "provio-sp2o.db"), 5000)
    err = count(work, flat, rc=7)
    check(err.count("\n") == 1 and "Berkeley DB" in err and "BDB3037" in err and not err.startswith("BDB"),
          f"message: {err!r}")


def case_killed(work):
    """A merge killed mid-way leaves the store as it was; the next merge
    removes what it left, and a directory whose lock is held stays."""
    nothing(work)
    a, big = gen(work, "a", n=2000), gen(work, "big", n=300000, job="B")
    store = os.path.join(work, "store")
    merge(work, "-q", "-s", store, a)
    before = dump(work, store)

    def kill_midway(target):
        """Starts a merge of big into target and kills it once its new data
        directory exists."""
        p = subprocess.Popen([PROV_MERGE, "-q", "-s", target, big], cwd=work, stderr=subprocess.DEVNULL)
        where = target if os.path.isdir(target) else work
        had = len(segments(target)) if where == target else 0
        deadline = time.monotonic() + 120
        while p.poll() is None and time.monotonic() < deadline:
            if where == target:
                building = [n for n in os.listdir(target) if n.startswith("data.")]
            else:  # past its lock: a data directory inside .new.new-*
                try:
                    building = [n for d in os.listdir(work) if d.startswith(".new.new-")
                                for n in os.listdir(os.path.join(work, d)) if n.startswith("data.")]
                except FileNotFoundError:  # renamed into place: the merge is ending
                    building = []
            if len(building) > had:
                break
            os.sched_yield()
        check(p.poll() is None, "the merge ended before it could be killed (a faster machine needs a bigger job)")
        p.send_signal(signal.SIGKILL)
        p.wait()

    # what a killed merge of an earlier version left beside the store
    old_copy = os.path.join(work, ".store.merge-OLD123")
    os.mkdir(old_copy, 0o700)
    open(os.path.join(old_copy, "provio-sp2o.db"), "w").close()
    kill_midway(store)
    check(not os.path.exists(old_copy), "an earlier version's copy was left")
    left = [n for n in os.listdir(store) if n.startswith("data.")]
    check(len(left) == len(segments(store)) + 1, f"no new data directory left by the killed merge: {left}")
    check(dump(work, store) == before, "the killed merge changed the store")
    check(sorted(n for n in os.listdir(store) if n.startswith("data.")) == sorted(segments(store)),
          "leftover not removed by the next merge")
    # a killed first merge leaves its directory beside the store's place
    kill_midway(os.path.join(work, "new"))
    check(not os.path.exists(os.path.join(work, "new")), "a killed first merge made the store")
    held = os.path.join(work, ".new.new-HELD")
    os.mkdir(held, 0o700)
    lock = os.open(os.path.join(held, "provio-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    merge(work, "-q", "-s", os.path.join(work, "new"), a)
    beside = sorted(n for n in os.listdir(work) if n.startswith(".new."))
    check(beside == [".new.new-HELD"], f"beside the new store: {beside}")
    os.close(lock)


def case_foreign(work):
    """Record files and directories of another user, or writable by others,
    are refused (exit 3, the file named) or with --skip-foreign left out
    with a warning; a symlinked record directory is followed only with
    --follow-symlinks."""
    a = gen(work, "a")
    files = sorted(os.path.join(r, n) for r, _, ns in os.walk(a) for n in ns)
    planted = files[0]
    os.chown(planted, 65534, 65534)
    err = merge(work, "-o", "out.nt", a, rc=3)
    check(planted in err and "planted" in err, f"message: {err!r}")
    err = merge(work, "-o", "out.nt", "--skip-foreign", a)
    check(f"warning: {planted}: skipped: owned by uid 65534" in err, f"message: {err!r}")
    thread = [l for l in open(planted).read().splitlines() if l.endswith("#Thread> .")]
    check(len(thread) == 1, f"no thread in {planted}")
    check(thread[0] not in open(os.path.join(work, "out.nt")).read(), "the planted file was merged")
    os.chown(planted, os.getuid(), os.getgid())
    os.chmod(os.path.dirname(planted), 0o770)
    err = merge(work, "-o", "out.nt", a, rc=3)
    check(os.path.dirname(planted) in err and "writable by its group" in err, f"message: {err!r}")
    os.chmod(os.path.dirname(planted), 0o700)
    os.symlink(a, os.path.join(work, "link"))
    err = merge(work, "-o", "out.nt", "link", rc=3)
    check("symbolic link" in err and "--follow-symlinks" in err, f"message: {err!r}")
    merge(work, "-q", "-o", "out.nt", "--follow-symlinks", "link")


def case_fifo(work):
    """A FIFO named or found is skipped with a warning at once, never
    opened for reading (which would block forever)."""
    a = gen(work, "a")
    os.mkfifo(os.path.join(work, "named.nt"))
    os.mkfifo(os.path.join(a, "found.nt"))
    p = subprocess.run([PROV_MERGE, "-o", "out.nt", "named.nt"], cwd=work, capture_output=True, timeout=60)
    err = p.stderr.decode()
    check(p.returncode == 3 and "named.nt: skipped: a FIFO" in err, f"exit {p.returncode}: {err!r}")
    p = subprocess.run([PROV_MERGE, "-o", "out.nt", a, "named.nt"], cwd=work, capture_output=True, timeout=60)
    err = p.stderr.decode()
    check(p.returncode == 0 and "found.nt: skipped: a FIFO" in err and "named.nt: skipped" in err,
          f"exit {p.returncode}: {err!r}")


def merge_bytes_read(work, *args):
    """prov-merge's stderr and the bytes it read (its rchar, taken from
    /proc before it is reaped): what it read, not how long it took."""
    p = subprocess.Popen([PROV_MERGE, *args], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{p.pid}/io") as io:
        rchar = int(next(l for l in io if l.startswith("rchar:")).split()[1])
    check(p.wait() == 0, f"prov-merge {args} exited {p.returncode}: {err[-2000:]!r}")
    return err, rchar


def case_sparse(work):
    """A record file extended by a 10 GiB hole is read up to its data: the
    hole is not read (a full read took 13 s)."""
    a = gen(work, "a")
    f = sorted(os.path.join(r, n) for r, _, ns in os.walk(a) for n in ns)[0]
    os.truncate(f, 10 << 30)
    err, read = merge_bytes_read(work, "-o", "out.nt", a)
    check(read < 256 << 20, f"merging read {read} bytes of a job with a 10 GiB hole")
    check("0 lines rejected" in err, f"summary: {err!r}")
    # a hole between lines: the lines after it are read, the hole is not
    before = int(err.split(" triples read")[0].split()[-1])
    lines = open(f, "rb").read(1 << 20).rstrip(b"\0").splitlines(keepends=True)
    with open(f, "ab") as out:
        out.write(b"\n" + b"".join(l for l in lines if l.startswith(b"<"))[-3000:].split(b"\n", 1)[1])
    err, read = merge_bytes_read(work, "-o", "out.nt", a)
    check(read < 256 << 20, f"merging read {read} bytes of a job with a 10 GiB hole inside")
    check(int(err.split(" triples read")[0].split()[-1]) > before, f"lines after the hole not read: {err!r}")


def case_running(work):
    """Merging while a tracked program runs, then after it ends, gives the
    store one merge at the end gives: counters single-valued (the larger),
    the newest version in the lineage."""
    prov = os.path.join(work, "prov")
    env = dict(os.environ, LD_PRELOAD=PRELOAD, PROVIO_DIR=prov)
    # out.txt: one session open across the merge; log.txt: a version closed
    # before it and a newer one after
    script = ("echo one > log.txt; exec 3>out.txt; echo first >&3; echo first-half >&3; echo ready; read go; "
              "echo second >&3; echo second-half-longer >&3; exec 3>&-; echo two >> log.txt; "
              "cat out.txt log.txt > copy.txt")
    p = subprocess.Popen(["bash", "-c", script], cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    check(p.stdout.readline() == b"ready\n", "the program did not start")
    twice, once = os.path.join(work, "twice"), os.path.join(work, "once")
    merge(work, "-q", "-s", twice, prov)
    mid = run([PROV_QUERY, "-s", twice, "stats", "--by", "file", "--format", "tsv"], work, check_rc=0).stdout
    p.stdin.write(b"go\n")
    p.stdin.close()
    check(p.wait() == 0, "the program failed")
    merge(work, "-q", "-s", twice, prov)
    merge(work, "-q", "-s", once, prov)
    stats = [run([PROV_QUERY, "-s", s, "stats", "--by", "file", "--format", "tsv"], work, check_rc=0).stdout
             for s in (twice, once)]
    check(stats[0] == stats[1], f"stats differ:\n{stats[0].decode()}\n{stats[1].decode()}")
    check(b"out.txt" in mid and mid != stats[0], "the first merge did not see the job half-way")
    nothing(work)
    d1, d2 = dump(work, twice), dump(work, once)
    only = sorted(set(d1) ^ set(d2))
    check(not only, "triples in one store only:\n" + "\n".join(l.decode() for l in only[:20]))
    for target in ("copy.txt", "log.txt", "out.txt"):
        lin = [run([PROV_QUERY, "-s", s, "lineage", os.path.join(work, target)], work, check_rc=0).stdout
               for s in (twice, once)]
        check(lin[0] == lin[1], f"lineage of {target} differs:\n{lin[0].decode()}\n{lin[1].decode()}")


if __name__ == "__main__":
    main({name[5:]: f for name, f in globals().items() if name.startswith("case_")})
