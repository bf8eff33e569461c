#!/usr/bin/python3
"""An N-1 job at scale (issue 12): 2000 ranks of bench/gen_job -N all read
one input and write blocks of one shared file.  Merged, the shared file is
one joint version of 2000 sessions; its lineage is the input, the world
communicator's exchange and each rank once; the input's impact is each
rank once and the shared file.  Answers only: speed is bench/scale's."""
import os
import shutil
import subprocess
import sys
import tempfile

RANKS_PER_HOST, HOSTS = 500, 4
RANKS = RANKS_PER_HOST * HOSTS


def rows(query, store, *args):
    out = subprocess.run([query, "-s", store, *args, "--format", "tsv"], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    return [line.split("\t") for line in out[1:]]


def main():
    root = tempfile.mkdtemp(prefix="provio-shared.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        records, store = os.path.join(root, "records"), os.path.join(root, "store")
        subprocess.run([os.environ["GEN_JOB"], "-j", "n1", "-H", str(HOSTS), "-P", str(RANKS_PER_HOST),
                        "-N", "/work/n1/shared.dat", records], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.environ["PROV_MERGE"], "-q", "-s", store, records], check=True)
        query = os.environ["PROV_QUERY"]

        lineage = rows(query, store, "lineage", "/work/n1/shared.dat")
        target = [r for r in lineage if r[0] == "0"]
        assert len(target) == 1 and target[0][1] == '"file version"', target
        assert "joint version of %d sessions" % RANKS in target[0][3], target[0]
        up = [r for r in lineage if r[0] != "0"]
        ranks = sorted(int(r[10]) for r in up if r[1] == '"process"')
        assert ranks == list(range(RANKS)), "each rank once as a generator"
        assert [r[2] for r in up if r[1] == '"file"'] == ['"/work/n1/input.dat"'], up[:3]
        assert sum(r[1] == '"exchange"' for r in up) == 1
        assert len(up) == RANKS + 2, len(up)

        impact = rows(query, store, "impact", "/work/n1/input.dat")
        down = [r for r in impact if r[0] != "0"]
        assert sorted(int(r[10]) for r in down if r[1] == '"process"') == list(range(RANKS))
        assert [r[2] for r in down if r[1] == '"file version"'] == ['"/work/n1/shared.dat"'], down[:3]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
