"""Short-lived processes: what each image owes its records (path queries,
open files) is summed for that image alone, however often it forks."""
import collections
import os

from harness import check, prog, same_behaviour
from harness import main as run_case
from provio_e2e import PV, file_iri


def queries_by_image(graph, work):
    """{process image: {name under work: metaOps}} from the PathQueries nodes."""
    prefix = file_iri(work) + "/"
    found = collections.defaultdict(dict)
    for q in graph.of_type(PV + "PathQueries"):
        f = graph.one(q, PV + "file")
        if f.startswith(prefix):
            name = f[len(prefix):]
            image = graph.one(q, PV + "partOf")
            check(name not in found[image], f"{name} summed twice in {image}")
            found[image][name] = int(graph.one(q, PV + "metaOps"))
    return found


def case_queries_per_image(work):
    children, paths = 20, 300
    _, graph = same_behaviour([prog("procs_queries"), str(children), str(paths)], work)
    found = queries_by_image(graph, work)
    parent = graph.process_by_command("procs_queries", forked=False)
    check(len(parent) == 1, f"parent images: {parent}")
    want = {"a.txt": 5, "shared.txt": 1, **{f"q{i}": 1 for i in range(paths)}}
    check(found.pop(parent[0], {}) == want, f"parent's queries: {found.get(parent[0])}")
    # Each child: its own queries, none of the parent's before the fork.
    shared = sorted(q["shared.txt"] for q in found.values() if set(q) == {"shared.txt"})
    check(shared == list(range(1, children + 1)), f"fork children's shared.txt counts: {shared}")
    rest = sorted(sorted(q.items()) for q in found.values() if set(q) != {"shared.txt"})
    check(rest == [[("e.txt", 2)], [("r.txt", 4)]], f"exec and raw clone children's queries: {rest}")


if __name__ == "__main__":
    run_case()
