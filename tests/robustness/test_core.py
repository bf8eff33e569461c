"""The recording core never harms the host: resource limits, small stacks,
the program's own descriptor juggling, fork and exec variants, and record
files that stay valid however the process ends."""
import glob
import os
import stat
import subprocess

from harness import Failure, check, parse_records, prog, record_files, records_dir, same_behaviour
from harness import main as run_case
import provio_e2e
from provio_e2e import PROV, PV, file_iri


def accesses(graph, work, name):
    return graph.accesses_of(file_iri(os.path.join(work, name)))


def sessions(graph, access):
    n = graph.objects(access, PV + "sessions")
    return int(n[0]) if n else 1


def owner(graph, access):
    return graph.one(access, PV + "partOf")


def case_file_size_limit(work):
    # 3000 file sessions make several MiB of records: more than one file of
    # ulimit -f 1000 (KiB) may hold.  Recording goes on in more files.
    same_behaviour(f"ulimit -f 1000; {prog('core_big_records')} 3000", work)
    files = record_files(records_dir(work))
    check(len(files) > 1 and all(os.path.getsize(f) <= 1000 * 1024 for f in files),
          "the records are not spread over files within the limit")
    graph = parse_records(records_dir(work))
    kept = set(graph.of_type(PV + "FileAccess"))
    got = sum(len(kept.intersection(accesses(graph, work, f"f{i}.txt"))) for i in range(3000))
    check(got == 3000, f"{got} of 3000 sessions recorded under the file size limit")


def case_long_start_record(work):
    # A process's first record is bounded from its actual strings, so that
    # a record file can start at 32 KiB: here a long job id, a working
    # directory of 3 KB, a command line of characters escaped to six bytes
    # each and pipes at both ends make it larger than that.  It comes out
    # whole, every string in full.
    deep = os.path.join(work, *(["d" * 200] * 16))
    os.makedirs(deep)
    arg = "\x01\"\\'" * 400
    script = f'printf x | (cd {deep} && /bin/echo "$1" | cat) > out.txt'
    _, graph = same_behaviour(["bash", "-c", script, "bash", arg], work, env={"PROVIO_JOB_ID": "j" * 250})
    echo = [p for p in graph.process_by_command("/bin/echo") if arg.replace("'", "'\\''") in graph.one(p, PV + "commandLine")]
    check(len(echo) == 1, f"echo's command line not recorded whole: {graph.process_by_command('/bin/echo')}")
    check(graph.one(echo[0], PV + "cwd") == file_iri(deep), "echo's working directory")
    check(graph.objects(echo[0], PV + "readsPipe") and graph.objects(echo[0], PV + "writesPipe"), "echo's pipes")
    job = graph.one(echo[0], PV + "partOfJob")
    check(set(graph.objects(job, PV + "jobId")) == {"j" * 250}, f"job {job}")


def case_address_space_limit(work):
    # Untracked this needs ~1.1 GB of address space; tracked, the recorder's
    # reservations must leave room for it under a 4 GB limit.
    _, graph = same_behaviour(f"ulimit -v 4194304; {prog('core_address_space')} 1000", work)
    for i in range(4):
        check(accesses(graph, work, f"w{i}.txt"), f"w{i}.txt not recorded under ulimit -v")


def case_small_stacks(work):
    tracked, graph = same_behaviour([prog("core_small_stack")], work)
    check(b"thread: fd>=0 1 write 2 stat 0 rename 0" in tracked.stdout and b"child status 0" in tracked.stdout,
          tracked.stdout)
    ops = graph.of_type(PV + "FileOperation")
    renamed = [o for o in ops if graph.one(o, PV + "operation") == "rename"]
    check(len(renamed) == 3, f"renames recorded: {len(renamed)}")


def run_with_log(work, log, timeout=20):
    # A bad PROVIO_MODE makes provio log a warning in its constructor.
    env = provio_e2e.tracked_env(os.path.join(work, "run"), extra={"PROVIO_LOG": log, "PROVIO_MODE": "bogus"})
    try:
        return subprocess.run(["/bin/sh", "-c", "echo ok"], cwd=work, env=env, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"the program blocked with PROVIO_LOG={log}")


def case_log_fifo(work):
    fifo = os.path.join(work, "log.fifo")
    os.mkfifo(fifo)
    # Keep a reader open so that a blocking open would succeed and the
    # write reach it: a FIFO is still no log file.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    p = run_with_log(work, fifo)
    check(p.stdout == b"ok\n" and p.returncode == 0, f"{p!r}")
    try:
        check(os.read(reader, 4096) == b"", "provio wrote its log into a FIFO")
    except BlockingIOError:
        pass
    os.close(reader)
    os.unlink(fifo)
    p = run_with_log(work, fifo + ".absent-reader")  # plain file: created
    os.mkfifo(fifo)
    p = run_with_log(work, fifo)  # no reader at all: must not block
    check(p.returncode == 0, f"{p!r}")


def case_log_not_ours(work):
    theirs = os.path.join(work, "theirs.log")
    with open(theirs, "w") as f:
        f.write("someone else's\n")
    os.chown(theirs, 65534, 65534)
    os.chmod(theirs, 0o666)
    link = os.path.join(work, "link.log")
    mine = os.path.join(work, "mine.log")
    open(mine, "w").close()
    os.symlink(mine, link)
    for log in (theirs, link):
        env = provio_e2e.tracked_env(os.path.join(work, "run"), extra={"PROVIO_LOG": log, "PROVIO_MODE": "bogus"})
        p = subprocess.run(["/bin/true"], cwd=work, env=env, capture_output=True, timeout=60)
        check(p.returncode == 0, f"{p!r}")
    check(open(theirs).read() == "someone else's\n", "provio appended to another user's file")
    check(os.path.getsize(mine) == 0, "provio followed a symlink to its log")
    # Its own log is written (the bad PROVIO_MODE gives a warning line).
    env = provio_e2e.tracked_env(os.path.join(work, "run"), extra={"PROVIO_LOG": mine, "PROVIO_MODE": "bogus"})
    subprocess.run(["/bin/true"], cwd=work, env=env, check=True, timeout=60)
    check(b"PROVIO_MODE" in open(mine, "rb").read(), "no warning in a proper log file")


def case_few_descriptors(work):
    same_behaviour(f"ulimit -n 64; {prog('core_emfile')}", work)


def no_stray_records(work):
    stray = glob.glob(os.path.join(work, "**", "*.nt"), recursive=True)
    check(not stray, f"record files outside PROVIO_DIR: {stray[:5]}")


def case_close_range_all(work):
    _, graph = same_behaviour([prog("core_close_all")], work)
    no_stray_records(work)
    for i in range(20):
        check(accesses(graph, work, f"out{i}.txt"), f"out{i}.txt not recorded after close_range")


def case_dup2_over_all(work):
    _, graph = same_behaviour(f"ulimit -n 1100; {prog('core_close_all')} dup2", work)
    no_stray_records(work)
    for i in range(20):
        check(accesses(graph, work, f"out{i}.txt"), f"out{i}.txt not recorded after dup2 over all")


def case_vfork_exec_fails(work):
    tracked, _ = same_behaviour([prog("core_vfork")], work)
    check(b"child errno No such file or directory, status 127" in tracked.stdout, tracked.stdout)


def case_vfork_child_exits(work):
    """The child's exit() must not end the parent's recording.  It does run
    the libraries' destructors in the parent's memory, and the loader then
    runs none again at the parent's own exit: the parent's file stays
    unfinished (valid, newline-padded), without an end or exit status."""
    tracked, graph = same_behaviour([prog("core_vfork_exit")], work, require_finished=False)
    check(b"child status 3, wrote 6" in tracked.stdout, tracked.stdout)
    writers = [owner(graph, a) for a in accesses(graph, work, "after.txt")]
    check(writers, "the parent's write after the child's exit() was not recorded")
    for p in graph.processes():
        check("3" not in graph.objects(p, PV + "exitStatus"), f"the child's exit status ended {p}")


def case_vfork_exec_succeeds(work):
    with open(os.path.join(work, "in.txt"), "w") as f:
        f.write("input\n")
    tracked, graph = same_behaviour([prog("core_vfork"), "/bin/cat", "in.txt"], work)
    check(b"child errno none, status 0" in tracked.stdout, tracked.stdout)
    readers = [owner(graph, a) for a in accesses(graph, work, "in.txt")]
    check(any("cat" in graph.one(p, PV + "commandLine") for p in readers),
          "the exec'd image did not record its read")


def case_raw_fork(work):
    tracked, graph = same_behaviour([prog("core_raw_fork")], work)
    parent = graph.process_by_command("core_raw_fork", forked=False)
    check(len(parent) == 1, f"parent images: {parent}")
    mine = [a for a in accesses(graph, work, "parent.txt") if owner(graph, a) == parent[0]]
    total = sum(sessions(graph, a) for a in mine)
    check(total == 50, f"parent's sessions of parent.txt: {total}, expected 50")
    for a in accesses(graph, work, "child.txt") + accesses(graph, work, "child-big.txt"):
        check(owner(graph, a) != parent[0], "the child's I/O was recorded as the parent's")


def end_of(graph, proc):
    return graph.objects(proc, PV + "endedBy")


def case_exec_fails_then_goes_on(work):
    _, graph = same_behaviour([prog("core_exec_fail")], work)
    procs = graph.process_by_command("core_exec_fail")
    check(len(procs) == 1, f"images: {procs}")
    check(end_of(graph, procs[0]) == ["exit"], f"endedBy {end_of(graph, procs[0])}")
    check(not graph.objects(procs[0], PV + "execTarget"), "a failed exec left an execTarget")
    check(accesses(graph, work, "after-exec.txt"), "the write after a failed exec is lost")


def case_python_subprocess(work):
    # Python looks for the program by trying execve in each PATH directory
    # (in a vfork child, or a fork child when preexec_fn is given) and
    # closes every descriptor first (close_range): every file finished, and
    # the one exec that succeeded is the one recorded.
    with open(os.path.join(work, "in.txt"), "w") as f:
        f.write("input\n")
    env = {"PATH": f"{work}/nonexistent:/nonexistent2:/usr/bin:/bin"}
    for preexec in ("None", "lambda: None"):
        script = f"import subprocess; subprocess.run(['cat', 'in.txt'], check=True, preexec_fn={preexec})"
        tag = "fork" if preexec != "None" else "vfork"
        _, graph = same_behaviour(["python3", "-c", script], work, env=env, tag=tag)
        targets = [o for p in graph.processes() for o in graph.objects(p, PV + "execTarget")]
        check(all(t.endswith("/bin/cat") for t in targets), f"exec targets {targets}")
        check(len(targets) == (1 if tag == "fork" else 0), f"{tag}: exec targets {targets}")
        readers = [owner(graph, a) for a in accesses(graph, work, "in.txt")]
        check(any(graph.one(p, PV + "commandLine") == "cat in.txt" for p in readers),
              f"{tag}: cat's read not recorded")


def case_threads_alive_at_exit(work):
    # parse_records requires every file finished with its end marker.
    same_behaviour([prog("core_threads_at_exit")], work)


def case_killed_file_is_valid(work):
    out = os.path.join(work, "run")
    provio_e2e.run("printf 'a\\n' > in.txt; cat in.txt > out.txt; kill -9 $$", cwd=work,
                   tracked_out=out)
    files = record_files(out)
    check(files, "no record files")
    for f in files:
        data = open(f, "rb").read()
        check(b"\0" not in data, f"{f}: NUL padding")
        p = subprocess.run(["rapper", "-q", "-i", "ntriples", "-o", "ntriples", f, "file:///r"],
                           capture_output=True)
        check(p.returncode == 0 and not p.stderr, f"{f}: {p.stderr[:500]!r}")
    parse_records(out, require_finished=False)


if __name__ == "__main__":
    run_case()
