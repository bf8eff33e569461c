"""Data flow between MPI ranks (interpose/mpi.c, docs/model.md "Data flow
between MPI ranks"): a real two-rank program of each MPI family runs as
untracked, and each rank's DataFlow records name the peers and
communicators its data came from, in the collectives' real directions,
with the calls counted."""
import os

from harness import PROVIO_RUN, check, main, parse_records, prog, run
from test_mpi import LAUNCH, SINGLETON, roundtrip

PV = "https://w3id.org/provio/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# What tests/robustness/mpi/dataflow.c makes each rank receive, as
# (peer rank or communicator, direction) -> calls; "g": the one-rank
# communicator of MPI_Comm_split, named by a hash of its member.
EXPECTED = {
    # the receive from any source, two Irecvs (one from any source) completed
    # by one MPI_Waitall with statuses ignored, the sendrecv; allreduce on
    # world, on its duplicate, and MPI_Iallreduce
    "0": {("1", None): 4, ("world", "in"): 1, ("world", "both"): 3, ("g", "both"): 1},
    # the receive from 0, the broadcast from 0, the sendrecv, MPI_Ibcast
    "1": {("0", None): 4, ("world", "out"): 1, ("world", "both"): 3, ("g", "both"): 1},
}


def flows_by_rank(g):
    """{rank: {(peer or communicator, direction): messages}} and the
    communicator names of the "g" flows, checking each record's shape."""
    got, named = {}, {}
    for f in g.subjects(RDF_TYPE, PV + "DataFlow"):
        proc = g.one(f, PV + "partOf")
        rank = g.one(proc, PV + "rank")
        check(g.one(f, "http://www.w3.org/ns/prov#wasAssociatedWith").startswith(proc + "/thread/"),
              f"{f}: associated with no thread of its process")
        check(g.one(f, PV + "firstAt") <= g.one(f, PV + "lastAt"), f"{f}: lastAt before firstAt")
        peer, comm = g.objects(f, PV + "peerRank"), g.objects(f, PV + "communicator")
        check(len(peer) + len(comm) == 1, f"{f}: peerRank {peer}, communicator {comm}")
        if peer:
            key = (peer[0], None)
            check(not g.objects(f, PV + "direction"), f"{f}: a peer flow with a direction")
        else:
            name = comm[0]
            if name != "world":
                check(len(name) == 17 and name[0] == "g" and all(c in "0123456789abcdef" for c in name[1:]),
                      f"{f}: communicator {name!r}")
                named[rank] = name
                name = "g"
            key = (name, g.one(f, PV + "direction"))
        check(key not in got.get(rank, {}), f"rank {rank}: two flows {key}")
        got.setdefault(rank, {})[key] = int(g.one(f, PV + "messages"))
    return got, named


def case_flows(work):
    """Per family: the program's output and status are unchanged, and each
    rank records exactly the flows it received, with their counts; both
    ranks are of one job (MPICH's Hydra included)."""
    for family in LAUNCH:
        g, _ = roundtrip(work, family, tag=family, name="dataflow")
        got, named = flows_by_rank(g)
        check(got == EXPECTED, f"{family}: flows {got}, expected {EXPECTED}")
        check(named["0"] != named["1"], f"{family}: two different one-rank communicators named alike: {named}")
        jobs = {g.one(p, PV + "partOfJob") for p in g.processes() if g.objects(p, PV + "rank")}
        check(len(jobs) == 1, f"{family}: the ranks are in {len(jobs)} jobs: {jobs}")


def case_killed_rank(work):
    """Rank 1 killed (SIGKILL) after its last message: its record file,
    unfinished, still holds every flow it had, each written at its first
    message (counted then), however little time passed."""
    for family in LAUNCH:
        out = os.path.join(work, family)
        run(LAUNCH[family] + [PROVIO_RUN, "--out", out, "--", prog(f"dataflow.{family}"), "unused", "kill"], work,
            env=SINGLETON)
        got, _ = flows_by_rank(parse_records(out, require_finished=False))
        killed = got.get("1", {})
        check(killed.keys() == EXPECTED["1"].keys() and
              all(1 <= n <= EXPECTED["1"][k] for k, n in killed.items()),
              f"{family}: the killed rank left flows {killed}, expected those of {EXPECTED['1']}")


if __name__ == "__main__":
    main()
