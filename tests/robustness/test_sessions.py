"""Order and identity inside file sessions (issue 9): when a session first
and last read, first and last changed the file, which file it was (device
and inode), and whether its version starts new content."""
import os

from harness import check, main, prog, same_behaviour
from provio_e2e import PROV, PV, file_iri


def access(g, path):
    acc = g.accesses_of(file_iri(path))
    check(len(acc) == 1, f"{path}: accesses {acc}")
    return acc[0]


def version(g, acc):
    v = g.objects(acc, PV + "version")
    check(len(v) == 1, f"{acc}: versions {v}")
    return v[0]


def case_order(work):
    """A reader open while an output was written and closed, read only
    after: its reads are timed after the output's last change; the output's
    version is generated at its last write, not at its close."""
    src, dst = os.path.join(work, "in.txt"), os.path.join(work, "out.txt")
    open(src, "w").write("data\n")
    _, g = same_behaviour([prog("sessions_order"), src, dst], work)
    a_in, a_out = access(g, src), access(g, dst)
    v = version(g, a_out)
    t = {"in open": g.one(a_in, PROV + "startedAtTime"), "out open": g.one(a_out, PROV + "startedAtTime"),
         "out first write": g.one(a_out, PV + "firstWriteAt"),
         "out last write": g.one(v, PROV + "generatedAtTime"), "out close": g.one(a_out, PROV + "endedAtTime"),
         "in first read": g.one(a_in, PV + "firstReadAt"), "in last read": g.one(a_in, PV + "lastReadAt"),
         "in close": g.one(a_in, PROV + "endedAtTime")}
    order = list(t)
    # every step of the program lets the clock move on: strictly after
    for before, after in zip(order[1:], order[2:]):
        check(t[before] < t[after], f"{before} {t[before]} not before {after} {t[after]}: {t}")
    check(t["in open"] <= t["out open"], f"{t}")
    check(not g.objects(a_out, PV + "firstReadAt") and not g.objects(a_in, PV + "firstWriteAt"),
          "times of what a session did not do")


def case_file_id(work):
    """A path, a symbolic link to it and a hard link to it name one file:
    each access carries the same provio:fileId, the file's device and inode
    (read, stdio, a dup'ed and an inherited descriptor alike); another
    file's differs."""
    paths = {n: os.path.join(work, n) for n in ("data.txt", "sym.txt", "hard.txt", "other.txt")}
    open(paths["data.txt"], "w").write("data\n")
    open(paths["other.txt"], "w").write("other\n")
    # the links are made in the run: the harness copies the directory between runs
    _, g = same_behaviour(f"ln -s data.txt sym.txt && ln data.txt hard.txt && "
                          f"{prog('sessions_ids')} data.txt sym.txt hard.txt && cat other.txt > copy.txt", work)

    def ids(name):
        return [g.one(a, PV + "fileId") for a in g.accesses_of(file_iri(paths[name]))
                if a in g.of_type(PV + "FileAccess")]
    st, other = os.stat(paths["data.txt"]), os.stat(paths["other.txt"])
    want = f"{st.st_dev}:{st.st_ino}"
    got = ids("data.txt") + ids("sym.txt") + ids("hard.txt")
    check(got == [want] * 4, f"fileIds {got}, want 4 x {want}")
    check(ids("other.txt") == [f"{other.st_dev}:{other.st_ino}"], f"other.txt: {ids('other.txt')}")
    copy = os.stat(os.path.join(work, "copy.txt"))
    inherited = [a for a in g.accesses_of(file_iri(os.path.join(work, "copy.txt")))
                 if g.objects(a, PV + "api") == ["inherited"]]
    check(len(inherited) == 1 and g.objects(inherited[0], PV + "fileId") == [f"{copy.st_dev}:{copy.st_ino}"],
          f"copy.txt inherited by cat: {inherited}")
    # the shell emptied it before cat saw it: cat's content is new
    check(g.objects(version(g, inherited[0]), PV + "newContent") == ["true"], "copy.txt: not new content")


def case_new_content(work):
    """provio:newContent marks a version that does not continue the file's
    earlier content (O_TRUNC, a new file, a truncation to 0), not an
    append; a session that changes nothing makes no version at all."""
    for name in ("trunc.txt", "app.txt", "idle.txt", "emptied.txt"):
        open(os.path.join(work, name), "w").write("old\n")
    _, g = same_behaviour([prog("sessions_content"), work], work)
    for name, new in (("trunc.txt", True), ("new.txt", True), ("emptied.txt", True), ("app.txt", False)):
        v = version(g, access(g, os.path.join(work, name)))
        got = g.objects(v, PV + "newContent")
        check(got == (["true"] if new else []), f"{name}: newContent {got}")
    for name in ("idle.txt", "idle-new.txt"):
        a = access(g, os.path.join(work, name))
        check(not g.objects(a, PV + "version"), f"{name}: a version without a change")
        check(not g.objects(a, PV + "firstWriteAt"), f"{name}: a change time")


def case_repeated(work):
    """Repeated sessions of a file summed in one record: its first times are
    the earliest of the sessions it sums, its last times the latest."""
    src, dst = os.path.join(work, "in.txt"), os.path.join(work, "out.txt")
    open(src, "w").write("data\n")
    open(dst, "w").write("old\n")
    _, g = same_behaviour([prog("sessions_repeat"), src, dst, "4"], work)
    for path, first, last in ((src, PV + "firstReadAt", PV + "lastReadAt"),
                              (dst, PV + "firstWriteAt", None)):
        accs = g.accesses_of(file_iri(path))
        summing = [a for a in accs if g.objects(a, PV + "sessions")]
        own = [a for a in accs if not g.objects(a, PV + "sessions")]
        check(len(summing) == 1 and len(own) == 1, f"{path}: records {accs}")
        s, o = summing[0], own[0]
        check(g.one(s, PV + "sessions") == "3", f"{path}: sessions")
        lasts = (lambda a: g.one(a, last)) if last else (lambda a: g.one(version(g, a), PROV + "generatedAtTime"))
        # the sum starts with the second session, after the first one's
        # record ended, and its last time is the fourth session's
        check(g.one(o, PROV + "endedAtTime") < g.one(s, first), f"{path}: first of the sum")
        check(g.one(s, first) < lasts(s) <= g.one(s, PROV + "endedAtTime"), f"{path}: first and last")



def case_replaced_between_sessions(work):
    """A file the process replaced (unlink, exclusive create) is another
    file: the reads after it are not summed with those before, and carry
    the new file's provio:fileId (sessions from the third on are summed
    without a stat, on the strength of the name being left alone)."""
    path = os.path.join(work, "in.txt")
    open(path, "w").write("old content\n")
    _, g = same_behaviour([prog("sessions_replace"), path, "4"], work)
    accs = [a for a in g.accesses_of(file_iri(path)) if a in g.of_type(PV + "FileAccess")]
    reads = [a for a in accs if g.objects(a, PV + "openFlags") == ["O_RDONLY"]]
    sums = sorted(g.one(a, PV + "sessions") for a in reads if g.objects(a, PV + "sessions"))
    check(len(reads) == 4 and sums == ["3", "3"], f"read records {reads}, sums {sums}")
    st = os.stat(path)
    new_id = f"{st.st_dev}:{st.st_ino}"
    created = min(g.one(a, PROV + "startedAtTime") for a in accs if a not in reads)
    after = [a for a in reads if g.one(a, PROV + "startedAtTime") > created]
    check(len(after) == 2 and all(g.objects(a, PV + "fileId") == [new_id] for a in after),
          f"records after the replacement {after}: want fileId {new_id}")

if __name__ == "__main__":
    main()
