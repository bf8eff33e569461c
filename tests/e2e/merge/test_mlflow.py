"""prov-merge --mlflow: an MLflow file store built by hand in MLflow's
documented on-disk layout (MLflow itself is not needed) and a tracked
program that writes the run's artifact file, merged together; one SPARQL
query joins the run to the file version and the process that wrote it, and
prov-query shows the run's params, metric history and tags."""
import csv
import io
import json
import os
import subprocess
import time

from provio_e2e import PROVIO_RUN, check, file_iri, main, run

PROV_MERGE = os.environ["PROV_MERGE"]
PROV_QUERY = os.environ["PROV_QUERY"]
RUN_ID = "1c6b2d5b909041df93e6e00b960de019"
EXP_ID = "606783375233873416"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def mlruns(work, start_ms, end_ms):
    """mlruns/<exp>/meta.yaml, mlruns/<exp>/<run>/{meta.yaml,params,metrics,tags,artifacts};
    a deleted run beside it that must not be imported."""
    top = os.path.join(work, "mlruns")
    exp = os.path.join(top, EXP_ID)
    write(os.path.join(top, "0", "meta.yaml"),
          "artifact_location: file:///nowhere/0\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
    write(os.path.join(exp, "meta.yaml"),
          f"artifact_location: file://{exp}\ncreation_time: {start_ms}\nexperiment_id: '{EXP_ID}'\n"
          "last_update_time: 0\nlifecycle_stage: active\nname: gnn-sweep\n")
    rdir = os.path.join(exp, RUN_ID)
    write(os.path.join(rdir, "meta.yaml"),
          f"artifact_uri: file://{rdir}/artifacts\nend_time: {end_ms}\nentry_point_name: ''\n"
          f"experiment_id: '{EXP_ID}'\nlifecycle_stage: active\nrun_id: {RUN_ID}\nrun_name: 'wistful ''ant'''\n"
          f"run_uuid: {RUN_ID}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: {start_ms}\n"
          "status: 3\ntags: []\nuser_id: alice\n")
    write(os.path.join(rdir, "params", "learning_rate"), "0.01")
    write(os.path.join(rdir, "params", "data", "min_snr"), "3")    # a key with '/'
    write(os.path.join(rdir, "tags", "mlflow.runName"), "wistful 'ant'")
    write(os.path.join(rdir, "tags", "provio.group.data/min_snr"), "Preselection")
    write(os.path.join(rdir, "metrics", "accuracy"),
          "".join(f"{start_ms + 10 * s} {a} {s}\n" for s, a in enumerate([0.5, 0.75, 0.875])) + "garbage\n")
    os.makedirs(os.path.join(rdir, "artifacts", "model"))
    gone = os.path.join(exp, "0" * 32)
    write(os.path.join(gone, "meta.yaml"), f"run_id: {'0' * 32}\nlifecycle_stage: deleted\nstart_time: 1\n")
    return top, os.path.join(rdir, "artifacts", "model", "weights.bin")


def query(store, *args):
    p = subprocess.run([PROV_QUERY, "-s", store, *args], capture_output=True)
    check(p.returncode == 0 and not p.stderr, f"prov-query {args}: {p.returncode} {p.stderr!r}")
    return p.stdout.decode()


def case_join(work):
    start = int(time.time() * 1000) - 1000
    top, artifact = mlruns(work, start, start + 3600_000)
    prov = os.path.join(work, "prov")
    # the training step, tracked: it writes the artifact where MLflow keeps it
    run([PROVIO_RUN, "--out", prov, "--", "sh", "-c", f"printf weights > '{artifact}'"], work, check_rc=0)
    # a write of the same path outside the run's window is not its artifact
    store = os.path.join(work, "store")
    p = run([PROV_MERGE, "-s", store, "--mlflow", top, prov], work, check_rc=0)
    check(b"garbage" in p.stderr or b":4: not" in p.stderr, f"bad metric line reported: {p.stderr!r}")
    run_iri = f"https://w3id.org/provio/mlflow/{EXP_ID}/{RUN_ID}"
    rows = list(csv.DictReader(io.StringIO(query(store, "--format", "csv", """
        SELECT ?run ?name ?file ?cmd WHERE {
          ?run a provio:MlflowRun ; rdfs:label ?name .
          ?v provio:artifactOf ?run ; prov:specializationOf ?file .
          ?proc provio:mlflowRun ?run ; provio:commandLine ?cmd .
        }"""))))
    check(len(rows) == 1, f"one run, one artifact: {rows}")
    r = rows[0]
    check(r["run"] == run_iri and r["name"] == "wistful 'ant'", f"run {r}")
    check(r["file"] == file_iri(artifact), f"artifact file {r['file']} != {file_iri(artifact)}")
    check("printf weights" in r["cmd"], f"writer {r['cmd']}")
    # the run's params, tags and metric history, as prov-query shows them
    doc = json.loads(query(store, "metrics", "--run", run_iri, "--format", "json"))
    series = [(b["name"]["value"], b["step"]["value"], b["value"]["value"]) for b in doc["results"]["bindings"]]
    check(series == [("accuracy", "0", "0.5"), ("accuracy", "1", "0.75"), ("accuracy", "2", "0.875")],
          f"metrics {series}")
    settings = {(r["group"], r["key"], r["value"]) for r in csv.DictReader(io.StringIO(query(
        store, "--format", "csv", "SELECT ?group ?key ?value WHERE { <" + run_iri + "> provio:setting ?s . "
        "?s provio:key ?key ; provio:value ?value ; provio:group ?group }")))}
    check(settings == {("Hyperparameters", "learning_rate", "0.01"), ("Preselection", "data/min_snr", "3")},
          f"settings {settings}")
    config = list(csv.DictReader(io.StringIO(query(store, "config", run_iri, "--format", "csv"))))
    kinds = sorted((r["kind"], r["key"]) for r in config)
    check(kinds == [("label", "mlflow.runName"), ("label", "provio.group.data/min_snr"), ("metric", "accuracy"),
                    ("metric", "accuracy"), ("metric", "accuracy"), ("setting", "data/min_snr"),
                    ("setting", "learning_rate")], f"config of the run {kinds}")
    # params and metric lines are entities: made at a time, not activities
    check(all(r["time"].startswith("20") for r in config if r["kind"] in ("setting", "metric")),
          f"config times {[(r['kind'], r['time']) for r in config]}")
    timed = query(store, "--format", "tsv", "SELECT ?p WHERE { { <" + run_iri + "> provio:metric ?r } UNION { <" + run_iri +
                  "> provio:setting ?r } ?r ?p ?t FILTER(?p IN (prov:generatedAtTime, prov:startedAtTime, prov:atTime)) }").split("\n")[1:-1]
    check(timed == ["<http://www.w3.org/ns/prov#generatedAtTime>"] * 5, f"times of params and metrics {timed}")
    runs = query(store, "--format", "tsv", "SELECT ?r WHERE { ?r a provio:MlflowRun }").split("\n")[1:-1]
    check(runs == [f"<{run_iri}>"], f"only the live run: {runs}")


def case_window(work):
    """The same file written before the run started: no artifact link."""
    start = int(time.time() * 1000) + 3600_000
    top, artifact = mlruns(work, start, start + 1000)
    prov = os.path.join(work, "prov")
    run([PROVIO_RUN, "--out", prov, "--", "sh", "-c", f"printf weights > '{artifact}'"], work, check_rc=0)
    store = os.path.join(work, "store")
    run([PROV_MERGE, "-q", "-s", store, "--mlflow", top, prov], work, check_rc=0)
    out = query(store, "--format", "tsv", "SELECT ?v WHERE { ?v provio:artifactOf ?run }")
    check(out.strip() == "?v", f"linked outside the window: {out}")
    p = subprocess.run([PROV_MERGE, "-q", "-s", os.path.join(work, "s2"), "--mlflow", prov], capture_output=True)
    check(p.returncode == 3 and b"not an MLflow file store" in p.stderr, f"not mlruns: {p.returncode} {p.stderr!r}")


if __name__ == "__main__":
    main({"join": case_join, "window": case_window})
