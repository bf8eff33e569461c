"""Records that must not be lost: sessions still open when the process dies."""
import json
import os
import signal

from harness import check, main, prog, records_dir, run, same_behaviour
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
    run([PROV_MERGE, "-q", "-s", store, records_dir(work)], work, check_rc=0)
    for name in ("out.txt", "app.txt"):
        files = lineage_files(work, store, paths[name])
        check(any(f.endswith("/in.txt") for f in files), f"lineage of {name}: {files}")


def case_killed_inherited(work):
    """An inherited descriptor (a shell's redirection) written by a process
    killed before it exits: its access, bytes and a version of the file."""
    open(os.path.join(work, "in.txt"), "w").write("data\n")
    open(os.path.join(work, "app.txt"), "w").write("")
    log = os.path.join(work, "log.txt")
    _, g = same_behaviour(f"{prog('records_killed')} in.txt out.txt app.txt > log.txt; cat log.txt", work,
                          require_finished=False, compare_stderr=False)
    line = open(log).read()
    writers = [a for a in g.accesses_of(file_iri(log)) if g.objects(a, PV + "bytesWritten")]
    check(len(writers) == 1, f"log.txt accesses that wrote: {writers}")
    a = writers[0]
    check(g.one(a, PV + "api") == "inherited" and g.one(a, PV + "bytesWritten") == str(len(line)),
          f"log.txt access {a}")
    check(g.objects(a, PV + "version"), "no version of log.txt")


if __name__ == "__main__":
    main()
