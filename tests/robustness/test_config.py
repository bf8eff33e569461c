"""The configuration file (PROVIO_CONFIG, docs/configuration.md): each
switched-off record class is absent from the records while the program
behaves exactly as untracked; the environment overrides the file; a bad
line is one line in PROVIO_LOG and changes nothing else."""
import os

from harness import PROVIO_RUN, TEST_BIN, check, main, parse_records, prog, run, same_behaviour
from provio_e2e import PROV, PV, RDF_TYPE

FILE_CLASSES = ("FileAccess", "FileVersion", "PathQueries", "FileOperation")
DURATIONS = ("readTime", "writeTime", "metaTime", "duration")
# a read, a write, a rename and stat queries (summed as PathQueries)
SCRIPT = "cat in.txt > out.txt; mv out.txt moved.txt; exec \"$0\" 0 1"


def write_config(work, name, text):
    """A configuration file beside work (the program must not see it)."""
    os.makedirs(work + ".etc", exist_ok=True)
    path = os.path.join(work + ".etc", name)
    with open(path, "w") as f:
        f.write(text)
    return path


def classes(graph):
    return {o[len(PV):] for s, p, o in graph.triples if p == RDF_TYPE and o.startswith(PV)}


def predicates(graph):
    return {p[len(PV):] if p.startswith(PV) else p for s, p, o in graph.triples}


def thread_agents_used(graph):
    """Triples that name a thread as an agent."""
    return [(s, p, o) for s, p, o in graph.triples
            if (p == PROV + "wasAssociatedWith" and "/thread/" in o) or
            (p == PROV + "actedOnBehalfOf" and "/thread/" in s) or p == PV + "tid"]


def shell_run(work, tag, env):
    with open(os.path.join(work, "in.txt"), "w") as f:
        f.write("acoustic samples\n")
    _, graph = same_behaviour(["/bin/sh", "-c", SCRIPT, prog("procs_queries")], work, env=env, tag=tag)
    return graph


def case_classes_off(work):
    """files, threads, durations and call sites off in the file: none of
    their triples; the same run without it has each.  Then trace on from
    the file, with durations and threads off: calls without either."""
    full = shell_run(work, "full", {})
    check(all(c in classes(full) for c in FILE_CLASSES), f"file records missing: {classes(full)}")
    check(thread_agents_used(full), "no thread agents with the default configuration")
    check("writeTime" in predicates(full), "no durations by default")
    check("callSite" in predicates(full), "no call sites by default")

    conf = write_config(work, "off", "# the processes only\n"
                        "files = off\nthreads = off\ndurations = off\ncallsites = off\n")
    graph = shell_run(work, "off", {"PROVIO_CONFIG": conf})
    found = classes(graph)
    check(not [c for c in FILE_CLASSES if c in found], f"file records written: {found}")
    check("Process" in found and "IoCall" not in found, f"records: {found}")
    check(not thread_agents_used(graph), f"thread agents: {thread_agents_used(graph)[:3]}")
    check(not [d for d in DURATIONS if d in predicates(graph)], "durations written")
    check("callSite" not in predicates(graph), "call sites written")
    check(not any(o.startswith("file:") for s, p, o in graph.triples if p == PROV + "used"), "files used")

    conf = write_config(work, "trace", "mode = trace\ndurations = off\nthreads = off\n")
    graph = shell_run(work, "trace", {"PROVIO_CONFIG": conf})
    check("IoCall" in classes(graph) and "FileAccess" in classes(graph), f"records: {classes(graph)}")
    check(not [d for d in DURATIONS if d in predicates(graph)], "durations written in trace mode")
    check(not thread_agents_used(graph), "thread agents written in trace mode")


def case_environment_overrides(work):
    """The file turns file records off and trace on; PROVIO_FILES and
    PROVIO_MODE in the environment win."""
    conf = write_config(work, "conf", "files = off\nmode = trace\n")
    graph = shell_run(work, "env", {"PROVIO_CONFIG": conf, "PROVIO_FILES": "on", "PROVIO_MODE": "summary"})
    found = classes(graph)
    check("FileAccess" in found, f"PROVIO_FILES=on did not win: {found}")
    check("IoCall" not in found, "PROVIO_MODE=summary did not win")


def case_bad_lines_logged(work):
    """An unknown key and a bad value: one log line each, the good line
    still applies, the bad value keeps the default; nothing printed."""
    conf = write_config(work, "conf", "colour = blue\nmode = fast\nfiles = off\n")
    with open(os.path.join(work, "in.txt"), "w") as f:
        f.write("x\n")
    log = os.path.join(work + ".etc", "provio.log")
    _, graph = same_behaviour(["cat", "in.txt"], work, env={"PROVIO_CONFIG": conf, "PROVIO_LOG": log}, tag="bad")
    lines = [l for l in open(log).read().splitlines() if ": configuration: " in l]
    check(len(lines) == 2, f"log: {lines}")
    check(lines[0].endswith(f"{conf}:1: unknown key, ignored: colour"), f"log: {lines[0]}")
    check(lines[1].endswith(f"{conf}:2: bad value, ignored: mode"), f"log: {lines[1]}")
    found = classes(graph)
    check("FileAccess" not in found and "IoCall" not in found and "Process" in found, f"records: {found}")


def case_hdf5_kinds(work):
    """HDF5 groups and attributes off: no session of such an object, while
    datasets and named datatypes keep theirs (h5_das make has all four)."""
    h5_das = os.path.join(TEST_BIN, "h5_das")
    if not os.path.exists(h5_das):
        print("no HDF5 build: nothing to check")
        return

    def kinds_of_sessions(tag, config):
        out = os.path.join(work, tag)
        conf = write_config(work, tag, config)
        p = run([PROVIO_RUN, "--out", out, "--config", conf, "--", h5_das, "make", f"{tag}.h5"], work)
        check(p.returncode == 0 and p.stderr == b"", f"exit {p.returncode}, stderr {p.stderr[-2000:]!r}")
        g = parse_records(out)
        kind = {s: o for s, p_, o in g.triples if p_ == PV + "hdf5Kind"}
        return {kind.get(g.one(a, PV + "object")) for a in g.of_type(PV + "Hdf5Access")}

    full = kinds_of_sessions("full", "")
    check({"group", "dataset", "attribute", "datatype"} <= full, f"sessions by default: {full}")
    part = kinds_of_sessions("part", "hdf5_groups = off\nhdf5_attributes = off\n")
    check(part == {"dataset", "datatype"}, f"sessions with groups and attributes off: {part}")


def case_provio_run_passes_config(work):
    """provio-run --config: the command gets PROVIO_CONFIG (absolute), the
    file's dir is the default output, its switches apply, and a bad line
    is reported by provio-run but does not stop the command."""
    conf_dir = os.path.join(work, "etc")
    os.mkdir(conf_dir)
    conf = os.path.join(conf_dir, "provio.conf")
    with open(conf, "w") as f:
        f.write(f"dir = {work}/from-conf\nfiles = off\nwrong\n")
    p = run([PROVIO_RUN, "--config", "etc/provio.conf", "--", "sh", "-c", 'echo "$PROVIO_CONFIG"; exit 7'], work)
    check(p.returncode == 7, f"exit status {p.returncode}")
    check(p.stdout.decode().strip() == conf, f"PROVIO_CONFIG {p.stdout!r}")
    check(p.stderr.decode() == f"provio-run: {conf}:3: expected KEY = VALUE (line ignored)\n", f"stderr {p.stderr!r}")
    graph = parse_records(os.path.join(work, "from-conf"))
    check("FileAccess" not in classes(graph), "files = off ignored")
    check(run([PROVIO_RUN, "--config", "no-such.conf", "--", "true"], work).returncode == 3, "unreadable: 3")


if __name__ == "__main__":
    main()
