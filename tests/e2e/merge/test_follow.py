"""prov-merge --follow (docs/prov-merge.md, "Following a running job"): a
tracked program that waits on the test between its phases is consolidated
while it runs; the store can be queried half-way, a pass with nothing new
reads nothing, and when the program has ended --follow stops by itself and
leaves the store one merge at the end gives.  No timing: the test waits
for the program's and --follow's own output.

Cases: embedded, signal (SIGINT: one last pass, then stop), server (a
private Virtuoso; exit 77 where it is not installed)."""
import os
import shutil
import signal
import socket
import subprocess

from provio_e2e import PRELOAD, check, main, run

PROV_MERGE = os.environ["PROV_MERGE"]
PROV_QUERY = os.environ["PROV_QUERY"]
SKIP = 77
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
# out.txt: one session open across passes (its counters rewritten in place);
# log.txt: a version before the pause and a newer one after
SCRIPT = ("echo one > log.txt; exec 3>out.txt; echo first >&3; echo first-half >&3; echo ready; read go; "
          "echo second >&3; echo second-half-longer >&3; exec 3>&-; echo two >> log.txt; "
          "cat out.txt log.txt > copy.txt")


def start_job(work):
    prov = os.path.join(work, "prov")
    env = dict(os.environ, LD_PRELOAD=PRELOAD, PROVIO_DIR=prov)
    p = subprocess.Popen(["bash", "-c", SCRIPT], cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    check(p.stdout.readline() == b"ready\n", "the program did not start")
    return p, prov


def passes_until(follow, want):
    """--follow's pass lines, read until one satisfies want (or it exits)."""
    seen = []
    for line in follow.stderr:
        seen.append(line)
        if " pass " in line and want(line):
            return seen
    raise AssertionError("--follow ended early:\n" + "".join(seen))


def dump(work, store):
    p = run([PROV_QUERY, "-s", store, "--format", "tsv", ALL], work, check_rc=0)
    return sorted(p.stdout.splitlines())


def follow_job(work, store, env=None, incremental=True):
    """Follows the job through its pause and end; returns the record
    directory.  incremental: a pass reads only what changed (a server's
    passes merge all again, docs/prov-merge.md)."""
    job, prov = start_job(work)
    follow = subprocess.Popen([PROV_MERGE, "--follow", "--interval", "0.1", "-s", store, prov], cwd=work,
                              env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = passes_until(follow, lambda l: "holds" in l and " 0 triples read" not in l)
        mid = run([PROV_QUERY, "-s", store, "lineage", os.path.join(work, "log.txt")], work, check_rc=0).stdout
        check(b"log.txt" in mid, f"the store half-way has no lineage of log.txt: {mid!r}")
        # the program waits: the next pass finds nothing new and reads nothing
        lines += passes_until(follow, lambda l: True)
        if incremental:
            check(" 0 triples read" in lines[-1] and "unchanged" in lines[-1], f"a pass re-read: {lines[-1]!r}")
        job.stdin.write(b"go\n")
        job.stdin.close()
        check(job.wait() == 0, "the program failed")
        rest = follow.stderr.read()
        check(follow.wait() == 0, f"--follow exited {follow.returncode}: {rest}")
    finally:
        if follow.poll() is None:
            follow.kill()
    lines += rest.splitlines(keepends=True)
    check("every process of the job has ended" in lines[-1], f"--follow did not see the end: {lines[-3:]!r}")
    return prov


def case_embedded(work):
    followed, once = os.path.join(work, "followed"), os.path.join(work, "once")
    prov = follow_job(work, followed)
    run([PROV_MERGE, "-q", "-s", once, prov], work, check_rc=0)
    d1, d2 = dump(work, followed), dump(work, once)
    only = sorted(set(d1) ^ set(d2))
    check(d1 and not only, "triples in one store only:\n" + "\n".join(l.decode() for l in only[:20]))
    stats = [run([PROV_QUERY, "-s", s, "stats", "--by", "file", "--format", "tsv"], work, check_rc=0).stdout
             for s in (followed, once)]
    check(stats[0] == stats[1], f"stats differ:\n{stats[0].decode()}\n{stats[1].decode()}")


def case_signal(work):
    """SIGINT while the program waits: one last pass, exit 0, the store of
    one merge at that moment."""
    job, prov = start_job(work)
    followed, once = os.path.join(work, "followed"), os.path.join(work, "once")
    follow = subprocess.Popen([PROV_MERGE, "--follow", "--interval", "0.1", "-s", followed, prov], cwd=work,
                              stderr=subprocess.PIPE, text=True)
    try:
        passes_until(follow, lambda l: "holds" in l)
        follow.send_signal(signal.SIGINT)
        rest = follow.stderr.read()
        check(follow.wait() == 0, f"--follow exited {follow.returncode} after SIGINT: {rest}")
        run([PROV_MERGE, "-q", "-s", once, prov], work, check_rc=0)
        check(dump(work, followed) == dump(work, once), "the store after SIGINT is not one merge's")
    finally:
        if follow.poll() is None:
            follow.kill()
        job.stdin.write(b"go\n")
        job.stdin.close()
        job.wait()


def case_server(work):
    server = os.environ["STORE_SERVER"]
    if not shutil.which("virtuoso-t"):
        print("SKIP: virtuoso-t is not installed (virtuoso-opensource-7-bin)")
        raise SystemExit(SKIP)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db, url = os.path.join(work, "db"), f"http://127.0.0.1:{port}/sparql"
    run([server, "start", db, str(port)], work, check_rc=0)
    try:
        env = dict(os.environ, PROVIO_STORE_AUTH=os.path.join(db, "auth"))
        prov = follow_job(work, url, env, incremental=False)
        followed = dump(work, url)
        # the same directory, the same graph: one merge replaces it
        run([PROV_MERGE, "-q", "-s", url, prov], work, env=env, check_rc=0)
        once = dump(work, url)
        only = sorted(set(followed) ^ set(once))
        check(once and not only, "triples in one graph only:\n" + "\n".join(l.decode() for l in only[:20]))
    finally:
        run([server, "stop", db], work)


if __name__ == "__main__":
    main({name[5:]: f for name, f in globals().items() if name.startswith("case_")})
