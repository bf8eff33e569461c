"""Helpers for provio's end-to-end tests: run programs tracked, read what
they recorded through an independent parser (raptor's rapper), and query
the triples.  Paths of the built programs come from the environment that
ctest sets (see tests/capture.cmake)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROVIO_LIB = os.environ.get("PROVIO_LIB", "")
PROVIO_RUN = os.environ.get("PROVIO_RUN", "")
TEST_BIN = os.environ.get("PROVIO_TEST_BIN", "")
# LD_PRELOAD for tracking: a sanitizer build's libprovio.so needs the
# sanitizer runtime loaded before it (tests/sanitizers/sanitizers.cmake).
SANITIZER_RUNTIME = os.environ.get("PROVIO_SANITIZER_RUNTIME", "")
PRELOAD = ":".join(filter(None, [SANITIZER_RUNTIME, PROVIO_LIB]))

PROV = "http://www.w3.org/ns/prov#"
PV = "https://w3id.org/provio/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_TERM = re.compile(r'<([^>]*)>|"((?:[^"\\]|\\.)*)"(?:\^\^<([^>]*)>|@[\w-]+)?')


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def workdir():
    """A fresh private scratch directory on /dev/shm (disk timings swing)."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return tempfile.mkdtemp(prefix="provio-e2e.", dir=base)


def tracked_env(out, mode=None, extra=None):
    env = dict(os.environ)
    env["LD_PRELOAD"] = PRELOAD
    env["PROVIO_DIR"] = out
    env["PROVIO_LOG"] = os.path.join(os.path.dirname(out), "provio.log")
    if mode:
        env["PROVIO_MODE"] = mode
    env.update(extra or {})
    return env


def run(cmd, cwd, env=None, tracked_out=None, mode=None, check_rc=None, stdin=None):
    """Runs cmd (list or shell string); returns CompletedProcess with bytes."""
    if tracked_out:
        env = tracked_env(tracked_out, mode, env)
    p = subprocess.run(cmd, cwd=cwd, env=env, shell=isinstance(cmd, str), capture_output=True,
                       input=stdin, executable="/bin/bash" if isinstance(cmd, str) else None)
    if check_rc is not None and p.returncode != check_rc:
        raise Failure(f"{cmd!r} exited {p.returncode}, expected {check_rc}\n"
                      f"stdout: {p.stdout[-2000:]!r}\nstderr: {p.stderr[-2000:]!r}")
    return p


def record_files(out):
    files = []
    for root, _, names in os.walk(out):
        files += [os.path.join(root, n) for n in names if n.endswith(".nt")]
    return sorted(files)


def unescape(s):
    def rep(m):
        c = m.group(1)
        if c[0] in "uU":
            return chr(int(c[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}[c]
    return re.sub(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[nrt"\\])', rep, s)


class Graph:
    """Triples as (s, p, o) strings; literals keep their lexical form."""

    def __init__(self, triples):
        self.triples = triples
        self.by_sp = {}
        self.by_po = {}
        for s, p, o in triples:
            self.by_sp.setdefault((s, p), []).append(o)
            self.by_po.setdefault((p, o), []).append(s)

    def objects(self, s, p):
        return self.by_sp.get((s, p), [])

    def one(self, s, p):
        objs = self.objects(s, p)
        check(len(objs) == 1, f"expected one {p} of {s}, got {objs}")
        return objs[0]

    def subjects(self, p, o):
        return self.by_po.get((p, o), [])

    def of_type(self, t):
        return self.subjects(RDF_TYPE, t)

    def processes(self):
        return self.of_type(PV + "Process")

    def process_by_command(self, needle, exact=False, forked=None):
        """Process images whose command line contains (or is) needle;
        forked=False keeps only those not forked from a parent image (a
        forked child keeps its parent's command line until it execs)."""
        found = []
        for p in self.processes():
            cmd = self.one(p, PV + "commandLine")
            if (cmd == needle if exact else needle in cmd) and \
                    (forked is None or bool(self.objects(p, PV + "forkedFrom")) == forked):
                found.append(p)
        return found

    def accesses_of(self, file_iri):
        return self.subjects(PV + "file", file_iri)


# What a record leaves to the record file it is in (docs/model.md, "What
# the records leave out and the store adds"): class -> property naming the
# process that wrote it.
_WRITER = {PV + "FileAccess": PV + "partOf", PV + "FileOperation": PV + "partOf",
           PV + "PathQueries": PV + "partOf", PV + "FileVersion": PROV + "wasGeneratedBy"}
_SEGMENT = re.compile(r"\.s\d+\.nt$")


def writer_triples(file_triples):
    """The triples prov-merge adds to those of one thread's record files
    (its first file's first): from the thread's header, each record's
    process and a file session's thread (if the thread is an agent)."""
    thread = next((s for s, p, o in file_triples if p == RDF_TYPE and o == PV + "Thread"), None)
    proc = next((o for s, p, o in file_triples if s == thread and p == PV + "threadOf"), None)
    agent = thread in (s for s, p, o in file_triples if p == RDF_TYPE and o == PROV + "SoftwareAgent")
    return proc, (thread if agent else None)


def parse_records(out, require_finished=True, raw=False):
    """Parses every record file with rapper; fails on any parser error.
    Returns a Graph of all triples, with what each record leaves to its
    record file added as prov-merge adds it (raw: as written)."""
    files = record_files(out)
    check(files, f"no record files in {out}")
    triples = []
    writers = {}
    for f in sorted(files, key=lambda f: (_SEGMENT.sub(".nt", f), f)):
        own = []
        data = open(f, "rb").read()
        check(data.startswith(b"# provio-nt 1\n"), f"{f}: not a provio file")
        if require_finished:
            check(data.endswith(b"# provio-end\n"), f"{f}: unfinished")
        else:
            # a killed process: every complete line before the newline
            # padding (every complete triple ends in " .")
            data = data.rstrip(b"\n")
            data = data + b"\n" if data.endswith(b" .") else data[:data.rfind(b"\n") + 1]
        p = subprocess.run(["rapper", "-q", "-i", "ntriples", "-o", "ntriples", "-", "file:///records"],
                           input=data, capture_output=True)
        check(p.returncode == 0 and not p.stderr, f"rapper rejected {f}: {p.stderr[:2000]!r}")
        for line in p.stdout.decode("utf-8").splitlines():
            terms = []
            for m in _TERM.finditer(line):
                terms.append(m.group(1) if m.group(1) is not None else unescape(m.group(2)))
            check(len(terms) == 3, f"unexpected line from rapper: {line}")
            own.append(tuple(terms))
        group = _SEGMENT.sub(".nt", f)
        if group == f:
            writers[group] = writer_triples(own)
        proc, agent = writers.get(group, (None, None))
        triples += own
        if raw or not proc:
            continue
        for s, p, o in own:
            if p == RDF_TYPE and o in _WRITER:
                triples.append((s, _WRITER[o], proc))
                if o == PV + "FileAccess" and agent:
                    triples.append((s, PROV + "wasAssociatedWith", agent))
    if not raw:
        triples += session_triples(triples)
    return Graph(triples)


def session_triples(triples):
    """What a file session's lines imply (prov-merge derives it): a read
    session's process used the file, its version is of the file, a first
    read or change not written is the latest."""
    sessions = {s for s, p, o in triples if p == RDF_TYPE and o == PV + "FileAccess"}
    wanted = (PV + "file", PV + "partOf", PV + "version", PV + "reads", PV + "firstReadAt", PV + "lastReadAt",
              PV + "firstWriteAt")
    props, made = {}, {}
    for s, p, o in triples:
        if s in sessions and p in wanted:
            props.setdefault(s, {}).setdefault(p, set()).add(o)
        if p == PROV + "generatedAtTime":
            made.setdefault(s, set()).add(o)
    added = set()
    for s, a in props.items():
        for f in a.get(PV + "file", ()):
            if a.get(PV + "reads"):
                added |= {(proc, PROV + "used", f) for proc in a.get(PV + "partOf", ())}
            added |= {(v, PROV + "specializationOf", f) for v in a.get(PV + "version", ())}
        if a.get(PV + "lastReadAt") and not a.get(PV + "firstReadAt"):
            added.add((s, PV + "firstReadAt", max(a[PV + "lastReadAt"])))
        gens = [t for v in a.get(PV + "version", ()) for t in made.get(v, ())]
        if gens and not a.get(PV + "firstWriteAt"):
            added.add((s, PV + "firstWriteAt", max(gens)))
    return sorted(added - set(triples))


def file_iri(path, local_host=None):
    """The IRI provio gives an absolute path (see docs/model.md)."""
    enc = "".join(c if re.match(r"[A-Za-z0-9._~/-]", c) else "".join(f"%{b:02X}" for b in c.encode())
                  for c in path)
    local = any(path == p or path.startswith(p + "/") for p in ("/tmp", "/var/tmp", "/dev/shm", "/run"))
    return "file://" + ((local_host or os.uname().nodename.split(".")[0]) if local else "") + enc


def main(cases):
    """Runs the named case (argv[1]) from a dict of functions."""
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in cases:
        print(f"usage: {sys.argv[0]} {'|'.join(cases)}", file=sys.stderr)
        sys.exit(2)
    work = workdir()
    try:
        cases[name](work)
    except Failure as e:
        print(f"FAIL {name}: {e}\n(work directory kept: {work})", file=sys.stderr)
        sys.exit(1)
    # with what the case kept beside it (work.records-*, say)
    top = os.path.dirname(work)
    for d in [work] + [os.path.join(top, n) for n in os.listdir(top)
                       if n.startswith(os.path.basename(work) + ".")]:
        shutil.rmtree(d, ignore_errors=True)
    print(f"PASS {name}")
