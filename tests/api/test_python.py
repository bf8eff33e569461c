"""The provio Python module (python/provio): records through the preloaded
libprovio.so in a process started by provio-run, parsed by rapper; no-ops
everywhere else, and never loads the library itself."""
import json
import os
import subprocess
import sys
import threading
import unittest
import urllib.parse

from provio_e2e import PROV, PROVIO_RUN, PV, RDF_TYPE, file_iri, parse_records, workdir

import provio

XSD = "http://www.w3.org/2001/XMLSchema#"
MODULE_DIR = os.path.dirname(os.path.dirname(provio.__file__))


def run_python(script, cwd, tracked_out=None, env_extra=None):
    env = dict(os.environ, PYTHONPATH=MODULE_DIR, PYTHONDONTWRITEBYTECODE="1", **(env_extra or {}))
    env.pop("LD_PRELOAD", None)
    cmd = [sys.executable, "-c", script]
    if tracked_out:
        cmd = [PROVIO_RUN, "--out", tracked_out, "--"] + cmd
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr[-3000:]}")
    return p.stdout


EVERY_CALL = r"""
import json, provio
results = [provio.active(), provio.config("k", 1, group="g"), provio.config_file("/etc/hostname"),
           provio.metric("m", 0.5, 1), provio.checkpoint("/etc/hostname", 1), provio.label("k", "v"),
           provio.declare_class("C"), provio.declare_relation("r"),
           provio.relate("/etc/hostname", "r", "/etc/hostname")]
@provio.track_params
def f(a, b=2):
    return a + b
with provio.epoch(3):
    results.append(f(1) == 3)
maps = open("/proc/self/maps").read()
print(json.dumps({"results": results, "loaded": "libprovio" in maps}))
"""


class Untracked(unittest.TestCase):
    def test_every_call_is_a_no_op(self):
        """Without libprovio.so in the process: every call False, nothing
        written even with PROVIO_DIR set, the library not loaded (though
        installed beside the module's tests, on the loader's path)."""
        work = workdir()
        out = os.path.join(work, "out")
        lib_dir = os.path.dirname(os.environ["PROVIO_LIB"])
        got = json.loads(run_python(EVERY_CALL, work, env_extra={"PROVIO_DIR": out, "LD_LIBRARY_PATH": lib_dir}))
        self.assertEqual(got["results"], [False] * 9 + [True])
        self.assertFalse(got["loaded"])
        self.assertFalse(os.path.exists(out))
        os.rmdir(work)

    def test_epoch_gives_the_step_and_nests(self):
        self.assertEqual(provio._step(-1), -1)
        with provio.epoch(4):
            self.assertEqual(provio._step(-1), 4)
            self.assertEqual(provio._step(None), 4)
            self.assertEqual(provio._step(2), 2)  # an explicit step wins
            with provio.epoch(5):
                self.assertEqual(provio._step(-1), 5)
            self.assertEqual(provio._step(-1), 4)
        self.assertEqual(provio._step(-1), -1)

    def test_epoch_is_per_thread(self):
        seen = []
        with provio.epoch(7):
            t = threading.Thread(target=lambda: seen.append(provio._step(-1)))
            t.start()
            t.join()
        self.assertEqual(seen, [-1])

    def test_track_params_keeps_the_function(self):
        @provio.track_params(group="G")
        def f(a, b=2, *, c=3):
            """doc"""
            return (a, b, c)
        self.assertEqual(f(1, c=4), (1, 2, 4))
        self.assertEqual(f.__doc__, "doc")
        self.assertRaises(TypeError, f)  # a wrong call still fails as it would

    def test_strings_and_paths_to_bytes(self):
        self.assertEqual(provio._text(b"\xff"), b"\xff")
        self.assertEqual(provio._text(0.5), b"0.5")
        self.assertEqual(provio._text(os.fsdecode(b"a\xff")), b"a\xff")
        self.assertIsNone(provio._text(None))


TRACKED = r"""
import os, threading, provio
assert provio.active()
provio.label("campaign", "issue13")
provio.config("learning_rate", 0.01, group="Hyperparameters")
provio.config(b"raw\xffkey", 'caf\u00e9 "q"\n')
open("train.cfg", "w").write("lr=0.01\n")
provio.config_file("train.cfg")

@provio.track_params(group="Training")
def train(lr, epochs=2, *, batch=32):
    for n in range(epochs):
        with provio.epoch(n):
            provio.metric("accuracy", 0.5 + n / 4)
            with open(f"ckpt_run_{n}.pt", "wb") as f:
                f.write(b"w" * 1000)
            provio.checkpoint(f"ckpt_run_{n}.pt")

train(0.01)
provio.metric("loss", float("nan"), step=7)
with provio.epoch(5):
    provio.metric("explicit", 1, step=2)
weird = os.fsdecode(b"we ird\xff.pt")
open(weird, "w").close()
provio.checkpoint(weird, 9)
provio.declare_class("ModelCheckpoint", "prov:Entity")
provio.declare_relation("fineTunedFrom", "prov:wasDerivedFrom")
provio.relate("ckpt_run_1.pt", "fineTunedFrom", "ckpt_run_0.pt")
t = threading.Thread(target=provio.metric, args=("thread_metric", 3.0, 1))
t.start()
t.join()
"""


class Tracked(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = workdir()
        out = os.path.join(cls.work, "out")
        run_python(TRACKED, cls.work, tracked_out=out)
        cls.g = parse_records(out)
        procs = cls.g.process_by_command(sys.executable, forked=False)
        assert len(procs) == 1, procs
        cls.proc = procs[0]

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.work])

    def records(self, link, cls):
        """{record IRI: {predicate: [objects]}} of the process's provio:<link>."""
        found = {}
        for r in self.g.objects(self.proc, PV + link):
            self.assertEqual(self.g.one(r, RDF_TYPE), PV + cls)
            # an entity's time is its generation; an activity's an instant
            entity = cls in ("Setting", "Label", "Metric")
            self.assertTrue(self.g.one(r, PROV + ("generatedAtTime" if entity else "atTime")))
            self.assertFalse(self.g.objects(r, PROV + ("atTime" if entity else "generatedAtTime")))
            found[r] = {p: self.g.objects(r, p) for p in (PV + "key", PV + "value", PV + "group", PV + "step",
                                                         PV + "measured", PV + "file", PV + "fileId")}
        return found

    def by_key(self, link, cls):
        return {r[PV + "key"][0]: r for r in self.records(link, cls).values()}

    def test_settings(self):
        s = self.by_key("setting", "Setting")
        self.assertEqual(s["learning_rate"][PV + "value"], ["0.01"])
        self.assertEqual(s["learning_rate"][PV + "group"], ["Hyperparameters"])
        # invalid UTF-8 as U+FFFD; quotes and newline escaped and back
        self.assertEqual(s["raw\ufffdkey"][PV + "value"], ['caf\u00e9 "q"\n'])
        self.assertEqual(s["raw\ufffdkey"][PV + "group"], [])
        for key, value in (("lr", "0.01"), ("epochs", "2"), ("batch", "32")):
            self.assertEqual(s[key][PV + "value"], [value])
            self.assertEqual(s[key][PV + "group"], ["Training"])

    def test_label(self):
        self.assertEqual(self.by_key("label", "Label")["campaign"][PV + "value"], ["issue13"])

    def test_metrics_carry_their_epoch(self):
        ms = self.records("metric", "Metric").values()
        acc = sorted((int(m[PV + "step"][0]), float(m[PV + "measured"][0])) for m in ms
                     if m[PV + "key"] == ["accuracy"])
        self.assertEqual(acc, [(0, 0.5), (1, 0.75)])
        m = self.by_key("metric", "Metric")
        self.assertEqual((m["loss"][PV + "measured"], m["loss"][PV + "step"]), (["NaN"], ["7"]))
        self.assertEqual(m["explicit"][PV + "step"], ["2"])

    def test_metric_of_another_thread(self):
        r = [r for r, m in self.records("metric", "Metric").items() if m[PV + "key"] == ["thread_metric"]]
        self.assertEqual(len(r), 1)
        main_thread = self.proc + "/thread/" + self.proc.rsplit("/", 1)[1].split(".")[0]
        by = self.g.one(r[0], PROV + "wasAssociatedWith")
        self.assertTrue(by.startswith(self.proc + "/thread/") and by != main_thread, by)

    def test_checkpoints_and_config_file(self):
        cps = self.records("checkpoint", "CheckpointMark").values()
        by_file = {c[PV + "file"][0]: c for c in cps}
        for n in range(2):
            path = os.path.join(self.work, f"ckpt_run_{n}.pt")
            c = by_file[file_iri(path)]
            self.assertEqual(c[PV + "step"], [str(n)])
            st = os.stat(path)
            self.assertEqual(c[PV + "fileId"], [f"{st.st_dev}:{st.st_ino}"])
            # the capture saw the same file written: its sessions name it alike
            self.assertTrue(self.g.accesses_of(file_iri(path)))
        weird = [c for iri, c in by_file.items() if c[PV + "step"] == ["9"]]
        self.assertEqual(len(weird), 1)
        path = urllib.parse.unquote_to_bytes(urllib.parse.urlsplit(weird[0][PV + "file"][0]).path)
        self.assertEqual(path, os.fsencode(self.work) + b"/we ird\xff.pt")
        cf = list(self.records("configFile", "ConfigFileUse").values())
        self.assertEqual(len(cf), 1)
        self.assertEqual(cf[0][PV + "file"], [file_iri(os.path.join(self.work, "train.cfg"))])

    def test_user_terms(self):
        rel = "https://w3id.org/provio/user#fineTunedFrom"
        rdfs = "http://www.w3.org/2000/01/rdf-schema#"
        self.assertEqual(self.g.one(rel, rdfs + "subPropertyOf"), PROV + "wasDerivedFrom")
        self.assertEqual(self.g.one("https://w3id.org/provio/user#ModelCheckpoint", rdfs + "subClassOf"),
                         PROV + "Entity")
        c0, c1 = (file_iri(os.path.join(self.work, f"ckpt_run_{n}.pt")) for n in range(2))
        self.assertEqual(self.g.objects(c1, rel), [c0])
        (r,) = self.g.objects(self.proc, PV + "relation")
        self.assertEqual([self.g.one(r, PV + p) for p in ("subject", "predicate", "object")], [c1, rel, c0])


if __name__ == "__main__":
    unittest.main()
