"""The merged graph of real tracked runs is PROV-O that standard tools read
(docs/prov-merge.md, "PROV-O conformance"): every term of the extension
vocabulary is declared in docs/provio.ttl, the graph keeps PROV-O's
domains and classes, and python's prov package loads it and writes PROV-N.

Cases: ontology, conformance, python_prov."""
import os
import re
import subprocess

from provio_e2e import PRELOAD, PROV, PROVIO_RUN, PV, RDF_TYPE, TEST_BIN, check, main, run, unescape

PROV_MERGE = os.environ["PROV_MERGE"]
SOURCE = os.environ["PROVIO_SOURCE"]
PROV_PYTHON = os.environ.get("PROV_PYTHON", "")
H5_DAS = os.environ.get("H5_DAS", "")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"

_NT = re.compile(r'(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?)')


def parse_nt(data):
    """(s, p, o) per line; IRIs as '<iri>', literals as ('lexical', datatype)."""
    triples = []
    for line in data.decode("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = []
        for t in _NT.findall(line):
            if t.startswith('"'):
                lex, _, rest = t[1:].rpartition('"')
                terms.append((unescape(lex), rest[3:-1] if rest.startswith("^^") else None))
            else:
                terms.append(t)
        check(len(terms) == 3, f"not a triple: {line}")
        triples.append(tuple(terms))
    return triples


def rapper(path, syntax):
    p = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples", path], capture_output=True)
    check(p.returncode == 0 and not p.stderr, f"rapper -i {syntax} {path}: {p.stderr[:1000]!r}")
    return parse_nt(p.stdout)


def tracked_store(work):
    """Records of a shell pipeline (pipe, redirect, cp, mv, rm), a 2-rank MPI
    job that records a setting, a serial step, and HDF5 objects when the
    connector is built; merged.  Returns the N-Triples the merge wrote."""
    open(os.path.join(work, "words.txt"), "w").write("".join(f"w{i % 7}\n" for i in range(500)))
    open(os.path.join(work, "params.txt"), "w").write("samples=4096\n")
    prov = os.path.join(work, "prov")
    run([PROVIO_RUN, "--out", prov, "--", "bash", "-c",
         "sort words.txt | uniq -c > counts.txt && gzip -c counts.txt > counts.gz && cp counts.gz tmp.gz "
         "&& mv tmp.gz final.gz && rm counts.gz"], work, check_rc=0)
    mpirun = ["mpirun", "--oversubscribe", "-n", "2", "-x", "LD_PRELOAD=" + PRELOAD, "-x", "PROVIO_DIR=" + prov]
    if os.getuid() == 0:
        mpirun.insert(1, "--allow-run-as-root")
    run(mpirun + [os.path.join(TEST_BIN, "demo_simulate"), "params.txt", "raw.dat"], work, check_rc=0)
    run([os.path.join(TEST_BIN, "demo_decimate"), "raw.dat", "decimate.dat"], work, tracked_out=prov, check_rc=0)
    if H5_DAS:
        run([PROVIO_RUN, "--out", prov, "--", "bash", "-c",
             f"{H5_DAS} make a.h5 >/dev/null && {H5_DAS} decimate a.h5 b.h5 >/dev/null"], work, check_rc=0)
    out = os.path.join(work, "merged.nt")
    run([PROV_MERGE, "-q", "-s", os.path.join(work, "store"), "-o", out, prov], work, check_rc=0)
    return out


def declared(ttl):
    """provio: terms of the ontology -> {rdfs/owl predicate: [objects]}."""
    terms = {}
    for s, p, o in ttl:
        if s.startswith("<" + PV):
            terms.setdefault(s[1 + len(PV):-1], {}).setdefault(p[1:-1], []).append(o)
    return terms


def case_ontology(work):
    """docs/provio.ttl is valid Turtle, declares each provio: class under a
    PROV-O class and each property with label, comment, domain and range,
    and declares every provio: term the capture or the merge writes."""
    ttl = rapper(os.path.join(SOURCE, "docs", "provio.ttl"), "turtle")
    terms = declared(ttl)
    check(terms, "no provio: terms declared")
    supers = {s: o for s, p, o in ttl if p == f"<{RDFS}subClassOf>"}
    for name, props in terms.items():
        kinds = props.get(RDF_TYPE, [])
        for need in ("label", "comment"):
            check(props.get(RDFS + need), f"provio:{name} has no rdfs:{need}")
        if f"<{OWL}Class>" in kinds:
            chain, c = [], f"<{PV}{name}>"
            while c in supers and len(chain) < 5:
                c = supers[c]
                chain.append(c)
            check(any(x.startswith("<" + PROV) for x in chain), f"provio:{name} is under no PROV-O class")
        else:
            check(f"<{OWL}ObjectProperty>" in kinds or f"<{OWL}DatatypeProperty>" in kinds,
                  f"provio:{name}: neither a class nor a property")
            for need in ("domain", "range"):
                check(props.get(RDFS + need), f"provio:{name} has no rdfs:{need}")
            for sup in props.get(RDFS + "subPropertyOf", []):
                check(sup.startswith("<" + PROV), f"provio:{name} under {sup}, not PROV-O")

    # every term the sources write...
    written = set()
    for d in ("src", "interpose", "store"):
        for root, _, names in os.walk(os.path.join(SOURCE, d)):
            for n in names:
                if n.endswith((".c", ".h")):
                    text = open(os.path.join(root, n), encoding="utf-8", errors="replace").read()
                    written |= set(re.findall(r'PV_TERM\("(\w+)"\)', text))
                    written |= set(re.findall(r'PV_NS_PROVIO "(\w+)"', text))
    written.discard("x")  # the macro's example in a comment
    check(len(written) > 60, f"only {len(written)} terms found in the sources")
    missing = sorted(written - set(terms))
    check(not missing, f"written by the sources but not in docs/provio.ttl: {missing}")
    # ...and every term a real merged store holds
    used = set()
    for s, p, o in parse_nt(open(tracked_store(work), "rb").read()):
        for t in (s, p, o if isinstance(o, str) else ""):
            if t.startswith("<" + PV):
                used.add(t[1 + len(PV):-1])
    check({"Process", "FileAccess", "FileOperation", "Setting", "Rank", "execedFrom"} <= used,
          f"the tracked runs miss terms: {sorted(used)}")
    missing = sorted(used - set(terms))
    check(not missing, f"in the merged store but not in docs/provio.ttl: {missing}")


AGENT_CLASSES = {f"<{PROV}SoftwareAgent>", f"<{PROV}Person>", f"<{PROV}Organization>", f"<{PROV}Agent>"}
PROV_CLASSES = {f"<{PROV}{c}>" for c in ("Entity", "Activity", "Agent", "Usage", "Generation")}
EVENTS = {f"<{PROV}{c}>" for c in ("Usage", "Generation", "Start", "End", "Invalidation",
                                   "InstantaneousEvent")}


def case_conformance(work):
    """The merged graph keeps PROV-O's classes and domains: every described
    node has a PROV class, every agent is a prov:Agent, prov:atTime only on
    instantaneous events, start and end times only on activities and
    generation times only on entities, reads and writes qualified with their times, no
    blank nodes, integers canonical and counters single-valued."""
    triples = parse_nt(open(tracked_store(work), "rb").read())
    types = {}
    for s, p, o in triples:
        check(not s.startswith("_:") and not (isinstance(o, str) and o.startswith("_:")), f"blank node: {s} {o}")
        if p == f"<{RDF_TYPE}>":
            types.setdefault(s, set()).add(o)
    for s in {s for s, _, _ in triples}:
        check(types.get(s, set()) & PROV_CLASSES, f"{s} has no PROV class: {types.get(s)}")
    for s, ts in types.items():
        if ts & AGENT_CLASSES:
            check(f"<{PROV}Agent>" in ts, f"{s} is {ts} but not a prov:Agent")
    values = {}
    for s, p, o in triples:
        if p == f"<{PROV}atTime>":
            check(types.get(s, set()) & EVENTS, f"prov:atTime on {s}, a {types.get(s)}")
        if p in (f"<{PROV}startedAtTime>", f"<{PROV}endedAtTime>"):
            check(f"<{PROV}Activity>" in types.get(s, set()), f"{p} on {s}, a {types.get(s)}")
        if p == f"<{PROV}generatedAtTime>":
            check(f"<{PROV}Entity>" in types.get(s, set()), f"{p} on {s}, a {types.get(s)}")
        if isinstance(o, tuple) and o[1] in (XSD + "long", XSD + "integer"):
            check(re.fullmatch(r"-?(0|[1-9][0-9]*)", o[0]), f"{s} {p}: not canonical: {o[0]}")
            values.setdefault((s, p), []).append(o[0])
    for (s, p), v in values.items():
        if p != f"<{PV}childPid>":
            check(len(v) == 1, f"{s} {p}: {v}")
    # qualified reads and writes, with times, as the merge names them
    usages = [s for s, ts in types.items() if f"<{PROV}Usage>" in ts]
    gens = [s for s, ts in types.items() if f"<{PROV}Generation>" in ts]
    check(usages and all(u.endswith("/usage>") for u in usages), f"usages {usages[:3]}")
    check(gens and all(g.endswith("/generation>") for g in gens), f"generations {gens[:3]}")
    timed = {s for s, p, o in triples if p == f"<{PROV}atTime>"}
    entity = {s for s, p, o in triples if p in (f"<{PROV}entity>", f"<{PROV}activity>")}
    check(set(usages + gens) <= timed & entity, "a usage or generation without its time or its other end")
    qualified = {o for s, p, o in triples if p in (f"<{PROV}qualifiedUsage>", f"<{PROV}qualifiedGeneration>")}
    check(set(usages + gens) <= qualified, "a usage or generation no one qualifies")
    # a summing record's count matches as the number it is
    counts = sorted({int(v[0]) for (s, p), v in values.items() if p == f"<{PV}sessions>"})
    check(counts, "no summing record in the tracked runs")
    p = subprocess.run([os.environ["PROV_QUERY"], "-s", os.path.join(work, "store"), "--format", "json",
                        f'ASK {{ ?a provio:sessions "{counts[0]}"^^xsd:long }}'], capture_output=True)
    check(p.returncode == 0 and b'"boolean":true' in p.stdout, f"provio:sessions {counts[0]}: {p.stdout!r}")


def case_python_prov(work):
    """python's prov package (Debian python3-prov) reads the merged graph,
    as N-Triples and as Turtle, and writes it as PROV-N."""
    nt = tracked_store(work)
    ttl = os.path.join(work, "merged.ttl")
    run([PROV_MERGE, "-q", "-s", os.path.join(work, "store"), "-o", ttl, "--format", "turtle",
         os.path.join(work, "prov")], work, check_rc=0)
    script = r"""
import sys
from prov.model import ProvDocument, ProvActivity, ProvAgent, ProvUsage, ProvGeneration
for path, fmt in (sys.argv[1], "nt"), (sys.argv[2], "turtle"):
    doc = ProvDocument.deserialize(source=path, format="rdf", rdf_format=fmt)
    recs = doc.get_records()
    n = lambda cls: sum(isinstance(r, cls) for r in recs)
    provn = doc.get_provn()
    timed = [r for r in doc.get_records(ProvUsage) if r.get_attribute("prov:time")]
    print(fmt, n(ProvActivity), n(ProvAgent), n(ProvUsage), n(ProvGeneration), len(timed), len(provn))
    assert provn.startswith("document") and "wasGeneratedBy(" in provn and "used(" in provn
"""
    p = subprocess.run([PROV_PYTHON, "-c", script, nt, ttl], capture_output=True, cwd="/")
    check(p.returncode == 0, f"prov could not load the graph: {p.stderr.decode()[-3000:]}")
    for line in p.stdout.decode().splitlines():
        fmt, act, agents, used, gen, timed, provn = line.split()
        check(int(act) >= 10 and int(agents) >= 5 and int(used) >= 3 and int(gen) >= 3 and int(timed) >= 3,
              f"{fmt}: too few records read: {line}")


if __name__ == "__main__":
    cases = {"ontology": case_ontology, "conformance": case_conformance}
    if PROV_PYTHON:
        cases["python_prov"] = case_python_prov
    main(cases)
