"""Records that must not be lost: sessions still open when the process dies."""
import json
import os
import signal

from harness import check, main, prog, run, same_behaviour
from provio_e2e import PV, file_iri

PROV_MERGE = os.environ.get("PROV_MERGE", "")
PROV_QUERY = os.environ.get("PROV_QUERY", "")


def lineage_files(work, store, target):
    p = run([PROV_QUERY, "-s", store, "lineage", target, "--format", "json"], work, check_rc=0)
    return [n["name"] for n in json.loads(p.stdout)["nodes"] if n["kind"].startswith("file")]


def case_killed_writer(work):
    """A writer killed by SIGKILL with its files open keeps what it read and
    wrote: the accesses, the read, a version of each output (one created,
    one only appended to), and so lineage from its outputs to its input."""
    text = "".join(f"line {i}\n" for i in range(20))
    paths = {name: os.path.join(work, name) for name in ("in.txt", "out.txt", "app.txt")}
    open(paths["in.txt"], "w").write(text)
    open(paths["app.txt"], "w").write("")
    proc, g = same_behaviour([prog("records_killed"), paths["in.txt"], paths["out.txt"], paths["app.txt"]],
                             work, require_finished=False)
    check(proc.returncode == -signal.SIGKILL, f"exit status {proc.returncode}")

    def access(name):
        acc = g.accesses_of(file_iri(paths[name]))
        check(len(acc) == 1, f"{name}: accesses {acc}")
        return acc[0]

    src = access("in.txt")
    check((g.one(src, PV + "reads"), g.one(src, PV + "bytesRead")) == ("1", str(len(text))), "in.txt counts")
    proc_iri = g.one(src, PV + "partOf")
    check(file_iri(paths["in.txt"]) in g.objects(proc_iri, "http://www.w3.org/ns/prov#used"), "in.txt not used")
    for name in ("out.txt", "app.txt"):
        a = access(name)
        check((g.one(a, PV + "writes"), g.one(a, PV + "bytesWritten")) == ("1", str(len(text))), f"{name} counts")
        version = g.one(a, PV + "version")
        check(g.one(version, "http://www.w3.org/ns/prov#specializationOf") == file_iri(paths[name]),
              f"{name}: version of what")

    store = os.path.join(work, "store")
    run([PROV_MERGE, "-q", "-s", store, os.path.join(work, "run")], work, check_rc=0)
    for name in ("out.txt", "app.txt"):
        files = lineage_files(work, store, paths[name])
        check(any(f.endswith("/in.txt") for f in files), f"lineage of {name}: {files}")


if __name__ == "__main__":
    main()
