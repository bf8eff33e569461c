#!/usr/bin/python3
"""prov-merge --mpi into the server store (issue 14): a job merged by 2 ranks
publishes exactly the graph a serial merge of it publishes (next to another
job already on the server, so the cross-job context is read too).  Exit 77
(skipped) only if virtuoso is not installed."""
import os
import shutil
import subprocess
import sys
import tempfile

from test_server import free_port, run

MERGE, QUERY, GEN, SERVER = (os.environ[k] for k in ("PROV_MERGE", "PROV_QUERY", "GEN_JOB", "STORE_SERVER"))
MPIRUN = ["mpirun", "--oversubscribe", "-n", "2"] + (["--allow-run-as-root"] if os.getuid() == 0 else [])


def main():
    if not shutil.which("virtuoso-t"):
        print("SKIP: virtuoso-t is not installed (virtuoso-opensource-7-bin)")
        return 77
    tmp = tempfile.mkdtemp(prefix="provio-server-mpi-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    db = os.path.join(tmp, "db")
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        run([SERVER, "start", db, str(port)])
        env = dict(os.environ, PROVIO_STORE_AUTH=os.path.join(db, "auth"))
        other, job = os.path.join(tmp, "other"), os.path.join(tmp, "job")
        run([GEN, "-n", "3000", "-j", "other", "-H", "1", other])
        run([GEN, "-n", "6000", "-j", "job", "-H", "3", "-P", "2", "-S", "1", "-k", "1", job])
        run([MERGE, "-q", "-s", url, other], env=env)

        def dump():
            return run([QUERY, "-s", url, "--format", "tsv",
                        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"]).stdout

        alone = dump()
        run(MPIRUN + [MERGE, "-q", "--mpi", "-s", url, job], env=env)
        by_mpi = dump()
        # the same directory names the same graph: the serial merge replaces it
        run([MERGE, "-q", "-s", url, job], env=env)
        serial = dump()
        if by_mpi.count("\n") <= alone.count("\n") + 1000:
            sys.exit(f"FAIL: the --mpi merge published too little: {alone.count(chr(10))} -> {by_mpi.count(chr(10))}")
        if by_mpi != serial:
            a, b = set(by_mpi.splitlines()), set(serial.splitlines())
            sys.exit(f"FAIL: --mpi and serial graphs differ: only --mpi {sorted(a - b)[:5]}, only serial "
                     f"{sorted(b - a)[:5]}")
        print(f"ok: --mpi on 2 ranks published the serial merge's graph ({serial.count(chr(10))} rows)")
        return 0
    finally:
        subprocess.run([SERVER, "stop", db], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
