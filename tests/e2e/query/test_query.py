"""End-to-end tests of prov-query: the tool on the fixture store (every
output parsed by a real parser: python's json and csv, rapper, Graphviz dot,
an XML parser for SVG), its errors and exit codes, and lineage, impact and
stats of real tracked runs merged by prov-merge."""
import csv
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from provio_e2e import PRELOAD, PROVIO_RUN, TEST_BIN, check, main, run

PROV_QUERY = os.environ["PROV_QUERY"]
PROV_MERGE = os.environ.get("PROV_MERGE", "")
MKSTORE = os.environ["QUERY_MKSTORE"]
FIXTURES = os.environ["QUERY_FIXTURES"]
H5_DAS = os.environ.get("H5_DAS", "")
MAN_PAGE = os.environ.get("QUERY_MAN", "")

EXIT = {"ok": 0, "error": 1, "usage": 2, "no_store": 3, "foreign": 4, "bad_query": 5, "no_target": 6}


def fixture_store(work):
    store = os.path.join(work, "store")
    run([MKSTORE, store, os.path.join(FIXTURES, "pipeline.nt")], work, check_rc=0)
    return store


def query(store, *args, rc=0, cwd=None):
    """prov-query's stdout (text) for args; checks the exit status and that
    a failure says one line on stderr and nothing on stdout."""
    p = subprocess.run([PROV_QUERY, "-s", store, *args], capture_output=True, cwd=cwd)
    check(p.returncode == rc, f"prov-query {args}: exit {p.returncode}, expected {rc}\n"
                              f"stderr: {p.stderr.decode(errors='replace')}")
    err = p.stderr.decode(errors="replace")
    if rc:
        check(not p.stdout, f"{args}: output on failure: {p.stdout[:200]!r}")
        check(err.startswith("prov-query: ") and err.count("\n") == 1, f"{args}: stderr {err!r}")
    else:
        check(not err, f"{args}: stderr {err!r}")
    return p.stdout.decode()


def lineage_json(store, target, *args, cwd=None):
    doc = json.loads(query(store, "lineage", target, "--format", "json", *args, cwd=cwd))
    nodes, edges = doc["nodes"], doc["edges"]
    for e in edges:
        check(0 <= e["from"] < len(nodes) and 0 <= e["to"] < len(nodes), f"edge {e} outside the nodes")
    for n in nodes:
        check(n.get("target") or 0 <= n["via"] < len(edges), f"node {n} reached by no edge")
    return doc


def level(doc, kind, name_end, detail=""):
    """The smallest level of a node of that kind whose name ends with
    name_end (a file can have several versions in a lineage)."""
    found = [n["level"] for n in doc["nodes"]
             if n["kind"] == kind and n["name"].endswith(name_end) and detail in n["detail"]]
    check(found, f"no {kind} {name_end} in {[n['name'] for n in doc['nodes']]}")
    return min(found)


def by_path(bindings, key):
    """Stats rows by file path ("host:/path" for a node-local file)."""
    return {r[key]["value"][r[key]["value"].find(":/") + 1:]: r for r in bindings}


def absent(doc, needle):
    """No file or file version named like needle (commands may name it)."""
    hits = [n["name"] for n in doc["nodes"] if needle in n["name"] and n["kind"].startswith("file")]
    check(not hits, f"{needle} should not be in the lineage: {hits}")


def check_dot(dot, work, name):
    """Graphviz's own parser accepts the graph."""
    if not shutil.which("dot"):
        return
    p = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True)
    check(p.returncode == 0 and b"<svg" in p.stdout, f"dot rejected {name}: {p.stderr[:300]!r}")


def case_formats(work):
    """Every output format, parsed by an independent parser."""
    store = fixture_store(work)
    # SPARQL: W3C JSON results, CSV and TSV agree
    q = ("SELECT ?cmd ?pid WHERE { ?p a provio:Process ; provio:commandLine ?cmd ; provio:pid ?pid } "
         "ORDER BY ?pid")
    doc = json.loads(query(store, q, "--format", "json"))
    check(doc["head"]["vars"] == ["cmd", "pid"], f"vars {doc['head']}")
    rows = doc["results"]["bindings"]
    check(len(rows) == 9, f"{len(rows)} processes")
    check(rows[0]["pid"] == {"type": "literal", "value": "500",
                             "datatype": "http://www.w3.org/2001/XMLSchema#long"}, f"row {rows[0]}")
    weird = [r["cmd"]["value"] for r in rows if r["cmd"]["value"].startswith("cp ")]
    check(weird == ["cp dec.h5 'we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt'"], f"cp command {weird}")
    table = list(csv.reader(io.StringIO(query(store, q, "--format", "csv"), newline="")))
    check(table[0] == ["cmd", "pid"] and len(table) == 10, f"csv {table[:2]}")
    check([r["cmd"]["value"] for r in rows] == [r[0] for r in table[1:]], "csv and json disagree")
    tsv = query(store, q)  # not a terminal: tsv
    check(tsv.count("\n") == 10 and tsv.startswith("?cmd\t?pid\n"), f"tsv {tsv[:80]!r}")
    # W3C SPARQL 1.1 TSV: terms as in Turtle, so the N-Triples parser reads each row as objects
    for row in tsv.splitlines()[1:]:
        line = "".join(f"<urn:s> <urn:p> {t} .\n" for t in row.split("\t"))
        p = subprocess.run(["rapper", "-q", "-i", "ntriples", "-c", "-", "urn:x"], input=line.encode(),
                           capture_output=True)
        check(p.returncode == 0 and not p.stderr, f"tsv row {row!r}: {p.stderr!r}")
    check(json.loads(query(store, "ASK { ?j a provio:Job }", "--format", "json")) == {"head": {}, "boolean": True},
          "ask")
    # CONSTRUCT: N-Triples that rapper reads
    nt = query(store, "CONSTRUCT { ?v prov:wasAttributedTo ?p } WHERE { ?v prov:wasGeneratedBy ?p }")
    p = subprocess.run(["rapper", "-i", "ntriples", "-c", "-", "file:///x"], input=nt.encode(), capture_output=True)
    check(p.returncode == 0 and b"returned 17 triples" in p.stderr, f"rapper: {p.stderr!r}")
    # lineage and impact: JSON, DOT, SVG
    doc = lineage_json(store, "/data/dec.h5")
    check(len(doc["nodes"]) == 13 and doc["direction"] == "lineage", f"{len(doc['nodes'])} nodes")
    check(level(doc, "file", "/data/params.txt") == 2, "params.txt level")
    # agents are fields of their process, the environment is hidden unless --all
    rank1 = [n for n in doc["nodes"] if n["kind"] == "process" and n.get("rank") == 1]
    check(len(rank1) == 1 and {k: rank1[0][k] for k in ("pid", "host", "exit", "program", "user")} ==
          {"pid": 1002, "host": "n2", "exit": 0, "program": "/opt/app/simulate", "user": "alice"}, f"rank 1 {rank1}")
    check(not [n for n in doc["nodes"] if n["kind"] in ("program", "user", "rank", "thread")], "agent nodes")
    check(not [n for n in doc["nodes"] if "openmpi" in n["name"]], "environment shown")
    full = lineage_json(store, "/data/dec.h5", "--all")
    check(len(full["nodes"]) == 15 and level(full, "file", "/etc/openmpi/openmpi-mca-params.conf") == 2,
          f"--all: {len(full['nodes'])} nodes")
    msg = [n for n in doc["nodes"] if n["kind"] == "message"]
    check(len(msg) == 1 and msg[0]["name"] == "rank 0 -> rank 1 (job pmix:sim.1)" and msg[0]["detail"] == msg[0]["iri"],
          f"message {msg}")
    again = lineage_json(store, msg[0]["detail"])
    check(again["nodes"][0]["iri"] == msg[0]["iri"], "a message's detail as target")
    impact = json.loads(query(store, "impact", "/data/params.txt", "--format", "json"))
    check(impact["direction"] == "impact" and len(impact["nodes"]) == 17, f"impact {len(impact['nodes'])}")
    for target in ("/data/dec.h5", "/data/we ird\n\"q\" } UNION { ?s ?p ?o } #%.txt"):
        dot = query(store, "lineage", target, "--format", "dot")
        check(dot.startswith("digraph lineage {"), "dot header")
        check_dot(dot, work, target)
    check_dot(query(store, "impact", "/data/params.txt", "--format", "dot"), work, "impact")
    if shutil.which("dot"):
        svg = os.path.join(work, "dec.svg")
        check(query(store, "lineage", "/data/dec.h5", "--svg", svg) == "", "--svg prints nothing")
        root = ET.parse(svg).getroot()
        check(root.tag.endswith("svg"), f"svg root {root.tag}")
        check(b"/data/params.txt" in open(svg, "rb").read(), "params.txt not drawn")
    # stats, runs, config: W3C JSON too; sums past 4 GiB exact
    stats = json.loads(query(store, "stats", "--by", "file", "--format", "json"))["results"]["bindings"]
    raw = [r for r in stats if r["file"]["value"] == "/data/raw.dat"]
    check(raw and raw[0]["bytes_written"]["value"] == "5500000000", f"raw.dat {raw}")
    runs = json.loads(query(store, "runs", "--format", "json"))["results"]["bindings"]
    check([r["job"]["value"] for r in runs] == ["pmix:sim.1", "session:n1:77"], f"runs {runs}")
    conf = json.loads(query(store, "config", "/data/dec.h5", "--format", "json"))["results"]["bindings"]
    check(sorted((r["key"]["value"], r["value"]["value"]) for r in conf) == [("factor", "4"), ("samples", "4096")],
          f"config {conf}")


def case_errors(work):
    """Each kind of bad input: one line on stderr and its own exit status."""
    store = fixture_store(work)
    query(os.path.join(work, "nothing"), "stats", rc=EXIT["no_store"])
    os.mkdir(os.path.join(work, "other"))
    open(os.path.join(work, "other", "data.db"), "w").write("not ours")
    query(os.path.join(work, "other"), "stats", rc=EXIT["foreign"])
    query(os.path.join(FIXTURES, "pipeline.nt"), "runs", rc=EXIT["foreign"])  # a file
    p = subprocess.run([PROV_QUERY, "-s", store, "SELECT ?x WHERE {\n ?x ?y\n}"], capture_output=True)
    check(p.returncode == EXIT["bad_query"] and b"line 3" in p.stderr, f"malformed: {p.returncode} {p.stderr!r}")
    query(store, "DESCRIBE <urn:x>", rc=EXIT["bad_query"])
    query(store, "lineage", "/data/none.h5", rc=EXIT["no_target"])
    query(store, "impact", "/data/dec.h5:/none", rc=EXIT["no_target"])
    query(store, "config", "<urn:provio:none>", rc=EXIT["no_target"])
    query(store, "runs", "slurm:1", rc=EXIT["no_target"])
    # a name that would be query text if it were pasted into one
    query(store, "lineage", "/data/x> } UNION { ?s ?p ?o } #", rc=EXIT["no_target"])
    for args in (["lineage"], ["stats", "--by", "user"], ["stats", "--all"], ["config", "x", "--all"], ["lineage", "x", "--format", "csv"], ["--bogus"],
                 ["stats", "--depth", "2"], ["lineage", "x", "--depth", "-1"], ["runs", "a", "b"]):
        query(store, *args, rc=EXIT["usage"])
    p = subprocess.run([PROV_QUERY, "stats"], capture_output=True, env={"PATH": os.environ["PATH"]})
    check(p.returncode == EXIT["usage"] and b"PROVIO_STORE" in p.stderr, "no store given")
    # PROVIO_STORE stands for -s
    p = subprocess.run([PROV_QUERY, "runs"], capture_output=True, env={"PROVIO_STORE": store})
    check(p.returncode == 0 and p.stdout.startswith(b"?job\t"), f"PROVIO_STORE: {p.stderr!r}")


def case_help(work):
    """--help for the tool and each command, and the man page, document the
    exit statuses."""
    codes = ["3  the store does not exist", "4  the directory is not a provio store",
             "5  malformed or unsupported SPARQL query", "6  the target (or job) is not in the store"]
    for args in ([], ["lineage"], ["impact"], ["stats"], ["runs"], ["config"], ["metrics"], ["SELECT"]):
        p = subprocess.run([PROV_QUERY, *args, "--help"], capture_output=True)
        out = p.stdout.decode()
        check(p.returncode == 0 and all(c in out for c in codes), f"help {args}: {out[:300]}")
        check(out.startswith("Usage: prov-query"), f"help {args}")
        if args in (["lineage"], ["impact"]):
            check("--all" in out and "environment" in out, f"help {args}: no --all")
    if MAN_PAGE and shutil.which("man"):
        p = subprocess.run(["man", "-l", MAN_PAGE], capture_output=True, env=dict(os.environ, MANWIDTH="100"))
        text = p.stdout.decode()
        check(p.returncode == 0 and "lineage" in text and "EXIT STATUS" in text and "xsd:decimal" in text and
              "--all" in text and "The environment" in text,
              f"man page: {p.stderr[:300]!r}")
        section = " ".join(text.split("\nEXIT STATUS\n")[1].split("\nSPARQL WITH")[0].lower().split())
        for code, what in (("3", "store does not exist"), ("4", "not a provio store"), ("5", "malformed"),
                           ("6", "not in the store")):
            check(re.search(rf"\b{code} [^.]*{what}", section), f"man page: exit {code}")


def merged_store(work, prov):
    """prov-merge's store of a run's records."""
    store = os.path.join(work, "store")
    run([PROV_MERGE, "-q", "-s", store, prov], work, check_rc=0)
    return store


PIO = "https://w3id.org/provio/ns#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def training_records(work, runs):
    """Record files in the shape of docs/model.md ("Domain records") for
    training runs: each (name, lr, accuracies) process sets its learning
    rate, records accuracy per epoch and writes and marks a checkpoint per
    epoch (ckpt_NAME_EPOCH.pt).  Returns the record directory and the
    process IRIs."""
    prov = os.path.join(work, "records")
    os.makedirs(prov, mode=0o700)
    procs = {}

    def at(minute, second=0):
        return f'"2026-11-22T06:{minute:02d}:{second:02d}.000000Z"^^<{XSD}dateTime>'

    for n, (name, lr, accs) in enumerate(runs):
        p = f"urn:provio:job:train/proc/h/{100 + n}.1"
        procs[name] = p
        t = f"{p}/thread/{100 + n}"
        lines = [f'<{p}> <{RDF_TYPE}> <{PIO}Process> .', f'<{p}> <{PIO}host> "h" .', f'<{p}> <{PIO}pid> "{100 + n}"^^<{XSD}long> .',
                 f'<{p}> <{PIO}commandLine> "train --name {name}" .',
                 f'<{p}> <{PROV}startedAtTime> {at(10 * n)} .', f'<{p}> <{PROV}endedAtTime> {at(10 * n + 9)} .',
                 f'<{p}> <{PIO}setting> <{t}/setting/1> .', f'<{t}/setting/1> <{RDF_TYPE}> <{PIO}Setting> .',
                 f'<{t}/setting/1> <{PIO}group> "Hyperparameters" .', f'<{t}/setting/1> <{PIO}key> "lr" .',
                 f'<{t}/setting/1> <{PIO}value> "{lr}" .', f'<{t}/setting/1> <{PROV}atTime> {at(10 * n)} .',
                 f'<{p}> <{PIO}setting> <{t}/setting/2> .', f'<{t}/setting/2> <{PIO}group> "Preselection" .',
                 f'<{t}/setting/2> <{PIO}key> "min_snr" .', f'<{t}/setting/2> <{PIO}value> "3" .',
                 f'<{p}> <{PIO}label> <{t}/label/1> .', f'<{t}/label/1> <{PIO}key> "campaign" .',
                 f'<{t}/label/1> <{PIO}value> "gnn" .']
        for epoch, acc in enumerate(accs):
            m, ck, a, v = f"{t}/metric/{epoch}", f"{t}/checkpoint/{epoch}", f"{t}/access/{epoch}", f"{t}/version/{epoch}"
            f = "file://" + os.path.join(work, f"ckpt_{name}_{epoch}.pt")
            lines += [f'<{p}> <{PIO}metric> <{m}> .', f'<{m}> <{RDF_TYPE}> <{PIO}Metric> .',
                      f'<{m}> <{PIO}key> "accuracy" .', f'<{m}> <{PIO}measured> "{acc!r}"^^<{XSD}double> .',
                      f'<{m}> <{PIO}step> "{epoch}"^^<{XSD}long> .', f'<{m}> <{PROV}atTime> {at(10 * n + 1 + 2 * epoch, 30)} .',
                      f'<{a}> <{RDF_TYPE}> <{PIO}FileAccess> .', f'<{a}> <{PIO}partOf> <{p}> .', f'<{a}> <{PIO}file> <{f}> .',
                      f'<{a}> <{PROV}startedAtTime> {at(10 * n + 1 + 2 * epoch)} .',
                      f'<{a}> <{PROV}endedAtTime> {at(10 * n + 1 + 2 * epoch, 10)} .',
                      f'<{a}> <{PIO}version> <{v}> .', f'<{v}> <{PROV}specializationOf> <{f}> .',
                      f'<{v}> <{PROV}wasGeneratedBy> <{p}> .', f'<{v}> <{PROV}generatedAtTime> {at(10 * n + 1 + 2 * epoch, 10)} .',
                      f'<{p}> <{PIO}checkpoint> <{ck}> .', f'<{ck}> <{RDF_TYPE}> <{PIO}CheckpointMark> .',
                      f'<{ck}> <{PIO}file> <{f}> .', f'<{ck}> <{PIO}step> "{epoch}"^^<{XSD}long> .',
                      f'<{ck}> <{PROV}atTime> {at(10 * n + 1 + 2 * epoch, 20)} .']
        path = os.path.join(prov, f"h.{100 + n}.{100 + n}.nt")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, ("# provio-nt 1\n" + "\n".join(lines) + "\n").encode())
        os.close(fd)
    return prov, procs


def doc_sparql(title):
    """The first sparql block under a heading of docs/prov-query.md."""
    doc = open(os.path.join(os.path.dirname(MAN_PAGE), "..", "prov-query.md")).read()
    section = doc.split(f"### {title}\n", 1)[1]
    return section.split("```sparql\n", 1)[1].split("```", 1)[0]


def case_domain(work):
    """Configuration, metrics and checkpoints of two training runs: the
    documented best-accuracy query picks the run whose accuracy peaked
    highest (not the one that led the first epochs), config of checkpoints
    shows each one's learning rate and step, metrics lists the series."""
    prov, procs = training_records(work, [("a", "0.1", [0.6, 0.8, 0.85]), ("b", "0.01", [0.5, 0.7, 0.9])])
    store = merged_store(work, prov)
    rows = list(csv.DictReader(io.StringIO(query(store, doc_sparql(
        "The run with the best accuracy and its hyperparameters"), "--format", "csv"))))
    check([(r["run"], r["key"], r["value"]) for r in rows] == [(procs["b"], "lr", "0.01")], f"best run {rows}")
    check(float(rows[0]["best"]) == 0.9, f"best accuracy {rows}")
    out = query(store, "config", "ckpt_a_1.pt", "ckpt_b_2.pt", "--format", "csv", cwd=work)
    rows = list(csv.DictReader(io.StringIO(out)))
    marks = [(r["process"], r["key"], r["step"]) for r in rows if r["kind"] == "checkpoint"]
    check(marks == [(procs["a"], "file://" + os.path.join(work, "ckpt_a_1.pt"), "1"),
                    (procs["b"], "file://" + os.path.join(work, "ckpt_b_2.pt"), "2")], f"checkpoints {marks}")
    lrs = [(r["process"], r["group"], r["value"]) for r in rows if r["key"] == "lr"]
    check(lrs == [(procs["a"], "Hyperparameters", "0.1"), (procs["b"], "Hyperparameters", "0.01")], f"lr {lrs}")
    check(any(r["kind"] == "label" and r["value"] == "gnn" for r in rows), "labels listed")
    # the metrics up to a checkpoint's writing: every one its process recorded
    check(sum(r["kind"] == "metric" and r["process"] == procs["a"] for r in rows) == 3, f"metrics {out}")
    doc = json.loads(query(store, "metrics", "--run", procs["b"], "--name", "accuracy", "--format", "json"))
    series = [(b["step"]["value"], float(b["value"]["value"])) for b in doc["results"]["bindings"]]
    check(series == [("0", 0.5), ("1", 0.7), ("2", 0.9)], f"series {series}")
    all_rows = list(csv.DictReader(io.StringIO(query(store, "metrics", "--format", "csv"))))
    check(len(all_rows) == 6, f"all metrics {len(all_rows)}")
    check(query(store, "metrics", "--name", "loss", "--format", "tsv").strip() ==
          "?process\t?command\t?name\t?step\t?value\t?time", "no such metric: header only")


def trained(work, argv0):
    """Two tracked training runs (tests/e2e/progs: train_c or train.py,
    learning rates 0.01 and 0.1, three epochs each), merged."""
    config, data = os.path.join(work, "train.cfg"), os.path.join(work, "graph.bin")
    open(config, "w").write("model=gnn\nlayers=3\n")
    open(data, "wb").write(bytes(range(256)) * 64)
    prov = os.path.join(work, "prov")
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.dirname(FIXTURES)), "..", "python"))
    for name, lr in (("slow", "0.01"), ("fast", "0.1")):
        run([PROVIO_RUN, "--out", prov, "--"] + argv0 + [name, lr, "3", data, config], work, env=env, check_rc=0)
    return merged_store(work, prov)


def check_trained(work, store):
    """Issue 13's acceptance: config of ckpt_*.pt gives each checkpoint's
    step and learning rate; the documented best-accuracy query picks the
    run with the larger learning rate (train_c's formula)."""
    ckpts = sorted(glob.glob(os.path.join(work, "ckpt_*.pt")))
    check(len(ckpts) == 6, f"checkpoints {ckpts}")
    rows = list(csv.DictReader(io.StringIO(query(store, "config", *ckpts, "--format", "csv"))))
    lr_of = {r["process"]: r["value"] for r in rows if r["kind"] == "setting" and r["key"] == "learning_rate"}
    seen = []
    for r in rows:
        if r["kind"] != "checkpoint":
            continue
        m = re.search(r"/ckpt_(\w+)_(\d)\.pt$", r["key"])
        check(m and r["step"] == m.group(2), f"checkpoint row {r}")
        seen.append((m.group(1), r["step"], lr_of.get(r["process"])))
    want = [(run_name, str(e), lr) for run_name, lr in (("fast", "0.1"), ("slow", "0.01")) for e in range(3)]
    check(seen == want, f"checkpoints (run, step, learning rate): {seen}, expected {want}")
    files = [r for r in rows if r["kind"] == "configfile"]
    check(files and all(r["key"].endswith("/train.cfg") for r in files), f"config file rows {files}")
    best = list(csv.DictReader(io.StringIO(query(store, doc_sparql(
        "The run with the best accuracy and its hyperparameters"), "--format", "csv"))))
    hyper = {r["key"]: r["value"] for r in best}
    check(len({r["run"] for r in best}) == 1 and hyper.get("learning_rate") == "0.1", f"best run {best}")
    check(abs(float(best[0]["best"]) - (1 - 1 / (2 + 3 * 0.1 * 100))) < 1e-9, f"best accuracy {best}")
    # metrics --run JOB: both runs are processes of the one session job
    (job,) = [r["job"] for r in csv.DictReader(io.StringIO(query(store, "runs", "--format", "csv")))]
    series = list(csv.DictReader(io.StringIO(query(store, "metrics", "--run", job, "--format", "csv"))))
    check([(r["name"], r["step"]) for r in series] ==
          [(n, str(e)) for _ in range(2) for n in ("accuracy", "loss") for e in range(3)] and
          len({r["process"] for r in series}) == 2 and all(r["time"].startswith("20") for r in series),
          f"metrics of job {job}: {series}")


def case_train_c(work):
    check_trained(work, trained(work, [os.path.join(TEST_BIN, "train_c")]))


def case_train_py(work):
    script = os.path.join(os.path.dirname(FIXTURES), "progs", "train.py")
    check_trained(work, trained(work, [sys.executable, script]))


def case_pipeline(work):
    """A real multi-process pipeline: bash, a pipe, gzip, cp; lineage back to
    its input, impact forward to its output, bytes as the programs moved."""
    words = "".join(f"word{i % 37}\n" for i in range(5000))
    open(os.path.join(work, "words.txt"), "w").write(words)
    open(os.path.join(work, "other.txt"), "w").write("not an input\n")
    prov = os.path.join(work, "prov")
    run([PROVIO_RUN, "--out", prov, "--", "bash", "-c",
         "sort words.txt | uniq -c > counts.txt && gzip -c counts.txt > counts.gz && cp counts.gz final.gz "
         "&& cat other.txt > unrelated.txt"], work, check_rc=0)
    store = merged_store(work, prov)
    doc = lineage_json(store, os.path.join(work, "final.gz"))
    # words.txt reached counts.txt through the pipe: merge derives uniq's
    # output from what sort read; sort is context, one step past uniq
    order = [level(doc, "process", "cp counts.gz final.gz"), level(doc, "file version", "/counts.gz"),
             level(doc, "process", "gzip -c counts.txt"), level(doc, "file version", "/counts.txt"),
             level(doc, "file", "/words.txt")]
    check(order == sorted(order) and order[0] == 1 and order[-1] == order[3] + 1, f"levels {order}")
    check(level(doc, "process", "sort words.txt") == level(doc, "process", "uniq -c") + 1, "sort piped into uniq")
    absent(doc, "other.txt")
    absent(doc, "unrelated.txt")
    # relative to the working directory, as a user types it
    rel = lineage_json(store, "final.gz", cwd=work)
    check(len(rel["nodes"]) == len(doc["nodes"]), "relative target")
    imp = json.loads(query(store, "impact", os.path.join(work, "words.txt"), "--format", "json"))
    names = [n["name"] for n in imp["nodes"]]
    check(any(n.endswith("/final.gz") for n in names), f"impact {names}")
    absent(imp, "unrelated.txt")
    stats = by_path(json.loads(query(store, "stats", "--by", "file", "--format", "json"))["results"]["bindings"],
                    "file")
    w = stats[os.path.join(work, "words.txt")]
    check(int(w["bytes_read"]["value"]) == len(words), f"words.txt read {w['bytes_read']}")
    final = stats[os.path.join(work, "final.gz")]
    check(int(final["bytes_written"]["value"]) == os.path.getsize(os.path.join(work, "final.gz")),
          f"final.gz written {final['bytes_written']}")
    check_dot(query(store, "lineage", "final.gz", "--format", "dot", cwd=work), work, "final.gz")


def case_mpi(work):
    """A 2-rank MPI job, then a serial step: lineage reaches both ranks and
    the parameter file; stats per rank are what each rank wrote."""
    open(os.path.join(work, "params.txt"), "w").write("samples=4096\n")
    prov = os.path.join(work, "prov")
    mpirun = ["mpirun", "--oversubscribe", "-n", "2", "-x", "LD_PRELOAD=" + PRELOAD, "-x", "PROVIO_DIR=" + prov]
    if os.getuid() == 0:
        mpirun.insert(1, "--allow-run-as-root")
    run(mpirun + [os.path.join(TEST_BIN, "demo_simulate"), "params.txt", "raw.dat"], work, check_rc=0)
    run([os.path.join(TEST_BIN, "demo_decimate"), "raw.dat", "decimate.dat"], work, tracked_out=prov, check_rc=0)
    store = merged_store(work, prov)
    doc = lineage_json(store, os.path.join(work, "decimate.dat"))
    check(level(doc, "process", "demo_decimate raw.dat decimate.dat") == 1, "decimate")
    sims = [n for n in doc["nodes"] if n["kind"] == "process" and "demo_simulate" in n["name"]]
    check(sorted("rank 0" in n["detail"] for n in sims) == [False, True] and
          all("rank" in n["detail"] for n in sims), f"ranks {[n['detail'] for n in sims]}")
    check(level(doc, "file", "/params.txt") == 2, "params.txt")
    # MPI's own shared-memory segments are not where the data came from
    absent(doc, "pmix")
    absent(doc, "vader")
    ranks = {r["rank"]["value"]: r for r in json.loads(
        query(store, "stats", "--by", "rank", "--format", "json"))["results"]["bindings"]}
    for r in ("0", "1"):
        check(ranks[r]["bytes_written"]["value"] == str(4096 * 8), f"rank {r}: {ranks[r]['bytes_written']}")
    files = by_path(json.loads(query(store, "stats", "--by", "file", "--format", "json"))["results"]["bindings"],
                    "file")
    raw = files[os.path.join(work, "raw.dat")]
    check(raw["bytes_written"]["value"] == "65536" and raw["bytes_read"]["value"] == "65536", f"raw.dat {raw}")
    check(files[os.path.join(work, "decimate.dat")]["bytes_written"]["value"] == str(os.path.getsize(
        os.path.join(work, "decimate.dat"))), "decimate.dat bytes")
    runs = json.loads(query(store, "runs", "--format", "json"))["results"]["bindings"]
    mpi = [r for r in runs if r["job"]["value"].startswith("pmix:")]
    check(len(mpi) == 1 and mpi[0]["ranks"]["value"] == "2" and mpi[0]["exit"]["value"] == "0", f"runs {runs}")
    conf = json.loads(query(store, "config", os.path.join(work, "decimate.dat"), "--format", "json"))
    check({(r["key"]["value"], r["value"]["value"]) for r in conf["results"]["bindings"]} == {("samples", "4096")},
          "config")


def case_names(work):
    """Text output is unambiguous and every name it prints is a target: a
    file whose name holds a backslash, a newline and spaces, written by a
    tracked cp, is printed escaped on one line, and that printed name,
    passed back, resolves to the same file."""
    weird = "a\\x41 b\nc d.txt"  # a backslash before what looks like an escape
    open(os.path.join(work, "in.txt"), "w").write("data\n")
    prov = os.path.join(work, "prov")
    run([PROVIO_RUN, "--out", prov, "--", "cp", "in.txt", weird], work, check_rc=0)
    store = merged_store(work, prov)
    text = query(store, "lineage", os.path.join(work, weird))
    lines = text.splitlines()
    check(lines and all(re.match(r"^ *\d+  ", l) for l in lines), f"a node over two lines: {text!r}")
    top = [l for l in lines if l.endswith("(target)")]
    check(len(top) == 1, f"target line: {text!r}")
    name = top[0][3 + 2 + 12 + 2:-len("  (target)")].split("  [")[0]
    check(name.endswith(os.path.join(work, "a\\\\x41 b\\x0Ac d.txt")), f"printed name {name!r}")
    again = query(store, "lineage", name)
    check(again == text, f"the printed name as target gives {again!r}")
    # the same for the name as a JSON consumer reads it, and the IRI
    doc = lineage_json(store, name)
    check(doc["nodes"][0]["name"].endswith(os.path.join(work, weird)), f"json name {doc['nodes'][0]['name']!r}")
    check(query(store, "lineage", "<" + doc["nodes"][0]["iri"] + ">") == text, "by IRI")


def case_hdf5(work):
    """HDF5 object lineage through the VOL connector: the decimated dataset
    traces back to the raw dataset, not only file to file."""
    prov = os.path.join(work, "prov")
    run([PROVIO_RUN, "--out", prov, "--", "bash", "-c",
         f"{H5_DAS} make WestSac.h5 >/dev/null && {H5_DAS} decimate WestSac.h5 decimate.h5 >/dev/null"],
        work, check_rc=0)
    store = merged_store(work, prov)
    doc = lineage_json(store, os.path.join(work, "decimate.h5") + ":/DAS/decimated")
    check(level(doc, "object version", "decimate.h5:/DAS/decimated") == 0, "target")
    check(level(doc, "object version", "WestSac.h5:/DAS/raw") == 1, "raw dataset")
    check(level(doc, "process", "h5_das decimate WestSac.h5 decimate.h5") == 1, "decimate")
    check(level(doc, "process", "h5_das make WestSac.h5") == 2, "make")
    imp = json.loads(query(store, "impact", "WestSac.h5:/DAS/raw", "--format", "json", cwd=work))
    check(any(n["name"].endswith("decimate.h5:/DAS/decimated") for n in imp["nodes"]), "impact of raw")


if __name__ == "__main__":
    cases = {"formats": case_formats, "errors": case_errors, "help": case_help}
    if PROV_MERGE:
        cases.update({"pipeline": case_pipeline, "mpi": case_mpi, "names": case_names, "domain": case_domain,
                      "train_c": case_train_c, "train_py": case_train_py})
        if H5_DAS:
            cases["hdf5"] = case_hdf5
    main(cases)
