#!/usr/bin/env python3
"""Run `shadowai scan` as the map step of an Apache Spark job.

    map:     each task runs `shadowai scan --files-from - --emit-partial -` on its share of
             the input files and yields the partial-aggregate records (one per line);
    reduce:  records are keyed by (version, kind, key fields), hash-partitioned across
             --reducers tasks, and each reducer pipes its records through
             `shadowai merge - --emit-partial -` (keys are disjoint across reducers, so the
             concatenation of their outputs is the fully reduced partial);
    render:  the driver collects the reduced partial into one file and runs
             `shadowai merge PARTIAL --out DIR`, which writes every report exactly as a
             single `shadowai scan` of the same inputs would.

Standard library only. See README.md next to this file for local and cluster usage.
Exit status: that of the final `shadowai merge` (0, or 3 when some input files could not
be read: their errors are in the reports), 1 on a failure, 2 on a usage error.
"""

import argparse
import heapq
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zlib

# Fields after the kind that form a record's key. Unknown kinds: the whole rest of the line.
KEY_ARITY = {
    "meta": 1,
    "file": 1,
    "usage": 3,
    "seen": 4,
    "cover": 2,
    "cand": 4,
    "day": 1,
    "ipusage": 3,
    "ipcand": 4,
    "ipseen": 5,
}

# shadowai exit codes.
OK, FAILED_INPUTS = 0, 3


class JobError(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="shadowai_spark.py",
        description="Scan logs for AI-tool usage with shadowai on Apache Spark "
        "(map: shadowai scan --emit-partial; reduce: shadowai merge).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="log files or folders; every executor must see them at this path")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the reports (on the driver)")
    p.add_argument("--shadowai", metavar="BIN",
                   default=os.environ.get("SHADOWAI") or "shadowai",
                   help="the shadowai binary: a path, or a name looked up in the files shipped "
                   "with --files and then on PATH (default: $SHADOWAI or shadowai)")
    p.add_argument("--files-from", metavar="FILE",
                   help="also read input paths from FILE, one per line (on the driver; - = stdin)")
    p.add_argument("--partitions", type=int, metavar="N",
                   help="map tasks (default: min(#files, 2 x defaultParallelism))")
    p.add_argument("--reducers", type=int, default=4, metavar="M",
                   help="reduce tasks (default: 4)")
    p.add_argument("--keep-partial", metavar="FILE",
                   help="also save the fully reduced partial aggregate here")
    p.add_argument("--master", help="Spark master (default: spark-submit's, else local[2])")
    p.add_argument("--threads", type=int, metavar="N",
                   help="shadowai threads per map task (default: spark.task.cpus)")
    # Scan options that affect matching: given to every map task and (where merge takes
    # them) to the reducers and the final merge.
    p.add_argument("--format", metavar="NAME")
    p.add_argument("--register", metavar="FILE")
    p.add_argument("--signatures", action="append", default=[], metavar="FILE")
    p.add_argument("--psl", metavar="FILE")
    p.add_argument("--since", metavar="TIME")
    p.add_argument("--until", metavar="TIME")
    p.add_argument("--keep-user-domain", action="store_true")
    # Applied once, at the final merge (driver-side files).
    p.add_argument("--identity", action="append", default=[], metavar="FILE")
    p.add_argument("--jsonl", action="store_true")
    p.add_argument("--upload-threshold", metavar="SIZE")
    p.add_argument("--pseudonymize-key", metavar="FILE")
    a = p.parse_args(argv)
    if not a.paths and not a.files_from:
        p.error("give at least one PATH or --files-from")
    if a.partitions is not None and a.partitions < 1:
        p.error("--partitions must be at least 1")
    if a.reducers < 1:
        p.error("--reducers must be at least 1")
    if a.threads is not None and a.threads < 0:
        p.error("--threads must be 0 or more")
    return a


# ---------------------------------------------------------------- locating files and binary


def _spark_file(name):
    """The path of a file shipped with --files / addFile, or None."""
    try:
        from pyspark import SparkFiles

        path = SparkFiles.get(name)
    except Exception:
        return None
    return path if os.path.isfile(path) else None


def locate(spec, base):
    """A local path for a file named on the driver's command line (relative names are
    relative to the driver's cwd `base`): the file itself when it exists here, else the copy
    shipped under its base name (spark-submit --files), else None."""
    path = os.path.join(base, spec)
    if os.path.isfile(path):
        return path
    return _spark_file(os.path.basename(spec))


_binaries = {}


def _built_here(name):
    """The binary cargo built in the clone this job belongs to (release, else debug), if any:
    so that a clone runs the job with no install step."""
    here = os.path.dirname(os.path.abspath(__file__))
    for profile in ("release", "debug"):
        path = os.path.join(here, os.pardir, os.pardir, "target", profile, name)
        if os.path.isfile(path):
            return os.path.abspath(path)
    return None


def locate_binary(spec, base):
    """The shadowai binary: a path (see locate), or a bare name looked up in the shipped
    files, the cwd (YARN localizes --files there), PATH, and this clone's target/."""
    if spec in _binaries:
        return _binaries[spec]
    if os.sep in spec:
        path = locate(spec, base)
    else:
        path = _spark_file(spec) or (os.path.abspath(spec) if os.path.isfile(spec) else None)
        path = path or shutil.which(spec) or _built_here(spec)
    if path is None:
        raise JobError(f"shadowai binary {spec!r} not found on {os.uname().nodename}")
    if not os.access(path, os.X_OK):
        # Shipped files may lose their executable bit: run a private executable copy.
        copy = os.path.join(tempfile.mkdtemp(prefix="shadowai-bin-"), os.path.basename(path))
        shutil.copyfile(path, copy)
        os.chmod(copy, stat.S_IRWXU)
        path = copy
    _binaries[spec] = path
    return path


def merge_match_options(a, here):
    """The options that change what matches and that `merge` takes too (it checks them
    against the partials). `here` maps a driver-side file name to the one to use where the
    command runs."""
    opts = []
    if a.register:
        opts += ["--register", here(a.register)]
    for s in a.signatures:
        opts += ["--signatures", here(s)]
    if a.psl:
        opts += ["--psl", here(a.psl)]
    return opts


def scan_options(a, here):
    """Options that change what is counted, for `scan`."""
    opts = ["--format", a.format] if a.format else []
    opts += merge_match_options(a, here)
    if a.since:
        opts += ["--since", a.since]
    if a.until:
        opts += ["--until", a.until]
    if a.keep_user_domain:
        opts.append("--keep-user-domain")
    return opts


def render_options(a):
    opts = []
    for i in a.identity:
        opts += ["--identity", i]
    if a.jsonl:
        opts.append("--jsonl")
    if a.upload_threshold:
        opts += ["--upload-threshold", a.upload_threshold]
    if a.pseudonymize_key:
        opts += ["--pseudonymize-key", a.pseudonymize_key]
    return opts


# ---------------------------------------------------------------- running shadowai


def pipe(cmd, lines, cwd=None, ok=(OK,)):
    """Run cmd with `lines` (bytes, newline-terminated items) fed to stdin from a thread;
    yield its stdout lines (str, without the newline, blank ones skipped) as they come; raise
    JobError with its stderr if its exit code is not in `ok`. A task that raises fails, and
    Spark discards its output, so no record is ever lost or counted twice."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, cwd=cwd)
        feed_error = []

        def feed():
            try:
                for line in lines:
                    proc.stdin.write(line)
            except BrokenPipeError:
                pass  # the process exited early: its exit code says why
            except BaseException as e:  # an upstream failure: make the process fail too
                feed_error.append(e)
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            for raw in proc.stdout:
                try:
                    line = raw.decode("utf-8").rstrip("\n")
                except UnicodeDecodeError as e:
                    raise JobError(f"{cmd[0]} {cmd[1]} wrote a record that is not UTF-8: "
                                   f"{raw[:200]!r}") from e
                if line:
                    yield line
        finally:
            proc.stdout.close()
            rc = proc.wait()
            feeder.join()
        if feed_error:
            raise feed_error[0]
        if rc not in ok:
            err.seek(0)
            msg = err.read().decode("utf-8", "replace").strip()
            raise JobError(f"{' '.join(cmd)} exited with {rc} on "
                           f"{os.uname().nodename}: {msg}")


def record_key(line):
    """(version, kind, key fields) of a partial record, as one string."""
    fields = line.split("\t")
    if len(fields) < 2:
        return line
    arity = KEY_ARITY.get(fields[1])
    if arity is None:
        return line
    return "\t".join(fields[: 2 + arity])


def balance(files, n):
    """The files in at most n groups of about equal total size (largest first, each into the
    lightest group), so that one big log does not queue behind many small ones. Sizes come
    from the driver's view of the inputs; a file it cannot stat counts as small."""
    def size(f):
        try:
            return max(os.stat(f.rstrip(b"\n")).st_size, 1)
        except OSError:
            return 1

    heap = [(0, i, []) for i in range(min(n, len(files)))]
    for weight, f in sorted(((size(f), f) for f in files), reverse=True):
        total, i, group = heapq.heappop(heap)
        group.append(f)
        heapq.heappush(heap, (total + weight, i, group))
    return [group for _, _, group in sorted(heap, key=lambda g: g[1])]


def stable_partition(key):
    # Not hash(): str hashes differ between Python workers unless PYTHONHASHSEED is fixed.
    return zlib.crc32(key.encode("utf-8"))


# ---------------------------------------------------------------- the job


def main(argv):
    a = parse_args(argv)
    started = time.time()
    sc = start_spark(a)
    try:
        driver_cwd = os.getcwd()
        # After Spark starts: a binary shipped with --files is then in SparkFiles here too.
        driver_bin = locate_binary(a.shadowai, driver_cwd)
        rc, files, meta = prepare(a, driver_bin)
        if rc != 0:
            return rc
        return run(a, sc, files, meta, driver_bin, driver_cwd, started)
    finally:
        sc.stop()


def start_spark(a):
    # Under spark-submit the JVM is already up with its master (spark-submit's default is
    # local[*]); run by plain python, the default here is local[2].
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get(
        "PYSPARK_SUBMIT_ARGS", "")
    master = a.master or (None if submitted else "local[2]")
    if master and master.startswith("local"):
        # The workers are this machine's: run them with this interpreter, bind to loopback.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from pyspark import SparkConf, SparkContext

    SparkContext._ensure_initialized()  # so that SparkConf() sees spark-submit's settings
    conf = SparkConf()
    if master:
        conf.setMaster(master)
    if conf.get("spark.master", "").startswith("local"):
        conf.setIfMissing("spark.driver.host", "127.0.0.1")
        conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1")
        conf.setIfMissing("spark.ui.enabled", "false")
    if not sys.stderr.isatty():
        conf.set("spark.ui.showConsoleProgress", "false")
    if conf.get("spark.app.name", "pyspark-shell") == "pyspark-shell":
        conf.setAppName("shadowai")
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("WARN")
    return sc


def prepare(a, driver_bin):
    """(exit code, input files, meta records) from runs of shadowai on the driver."""
    # 1. The inputs, spelled exactly as a single `shadowai scan PATH...` spells them.
    cmd = [driver_bin, "scan", *a.paths, "--list-inputs"]
    if a.files_from:
        cmd += ["--files-from", a.files_from]
    listed = subprocess.run(cmd, stdout=subprocess.PIPE)
    if listed.returncode != 0:
        return listed.returncode, None, None
    files = [f + b"\n" for f in listed.stdout.split(b"\n") if f]

    # A scan of no files: checks the options (a usage error exits 2 before any task runs) and
    # gives the `meta` records, so that the final merge sees them even without inputs, and
    # refuses executors whose binary disagrees with the driver's.
    preflight = subprocess.run(
        [driver_bin, "scan", "--quiet", "--files-from", "-", "--emit-partial", "-",
         *scan_options(a, lambda s: s)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    if preflight.returncode != 0:
        return preflight.returncode, None, None
    meta = preflight.stdout.decode("utf-8")
    # And the render options (--identity, --pseudonymize-key…), by rendering nothing: a merge
    # of no data checks them all, then exits 1 writing no report (its message is dropped).
    with tempfile.TemporaryDirectory(prefix="shadowai-spark-") as tmp:
        with open(os.path.join(tmp, "meta.partial"), "w", encoding="utf-8") as f:
            f.write(meta)
        rendered = subprocess.run(
            [driver_bin, "merge", f.name, "--quiet", "--out", os.path.join(tmp, "out"),
             *merge_match_options(a, lambda s: s), *render_options(a)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rc = rendered.returncode
    if rc == 1 and b"no report written" in rendered.stderr:
        rc = 0
    else:
        sys.stderr.buffer.write(rendered.stderr)
    return rc, files, meta


def run(a, sc, files, meta, driver_bin, driver_cwd, started):
    bin_spec = a.shadowai
    n_maps = a.partitions or max(1, min(len(files), sc.defaultParallelism * 2))
    n_reducers = a.reducers
    threads = a.threads
    if threads is None:
        threads = int(sc.getConf().get("spark.task.cpus", "1"))
    args = a
    mapped = sc.accumulator(0)
    map_tasks = sc.accumulator(0)

    def here(spec):
        # A file option as it is on an executor: the path, else its shipped copy.
        return locate(spec, driver_cwd) or spec

    def scan_partition(paths):
        paths = list(paths)
        if not paths:
            return
        binary = locate_binary(bin_spec, driver_cwd)
        cmd = [binary, "scan", "--quiet", "--threads", str(threads), "--files-from", "-",
               "--emit-partial", "-", *scan_options(args, here)]
        cwd = driver_cwd if os.path.isdir(driver_cwd) else None
        map_tasks.add(1)
        for line in pipe(cmd, paths, cwd=cwd, ok=(OK, FAILED_INPUTS)):
            mapped.add(1)
            yield line

    def merge_partition(pairs):
        first = next(pairs, None)
        if first is None:
            return
        binary = locate_binary(bin_spec, driver_cwd)
        cmd = [binary, "merge", "-", "--emit-partial", "-", *merge_match_options(args, here)]

        def lines():
            yield (first[1] + "\n").encode("utf-8")
            for _, line in pairs:
                yield (line + "\n").encode("utf-8")

        yield from pipe(cmd, lines())

    # 2. Map. 3. Reduce.
    groups = balance(files, n_maps)
    reduced = (
        sc.parallelize(groups, max(1, len(groups)))
        .mapPartitions(lambda gs: scan_partition(f for g in gs for f in g))
        .map(lambda line: (record_key(line), line))
        .partitionBy(n_reducers, stable_partition)
        .mapPartitions(merge_partition)
    )

    # 4. Render on the driver from the fully reduced partial.
    with tempfile.TemporaryDirectory(prefix="shadowai-spark-") as tmp:
        partial = a.keep_partial or os.path.join(tmp, "reduced.partial")
        records = 0
        with open(partial, "w", encoding="utf-8", newline="\n") as f:
            f.write(meta)
            for line in reduced.toLocalIterator():
                f.write(line)
                f.write("\n")
                records += 1
        cmd = [driver_bin, "merge", partial, "--out", a.out,
               *merge_match_options(a, lambda s: s), *render_options(a)]
        rc = subprocess.run(cmd).returncode
    print(
        f"shadowai-spark: {sc.master}: {len(files)} files, {map_tasks.value} map tasks, "
        f"{mapped.value} records mapped, {records} after reduce "
        f"({n_reducers} reducers), merge exit {rc}, {time.time() - started:.1f} s",
        file=sys.stderr,
    )
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except JobError as e:
        print(f"shadowai-spark: error: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:
        if type(e).__name__ != "Py4JJavaError":
            raise
        # A failed Spark task: show the shadowai error, not the JVM stack.
        text = str(e)
        why = [ln for ln in text.splitlines() if "JobError:" in ln]
        print(f"shadowai-spark: error: {why[0].strip() if why else text}", file=sys.stderr)
        sys.exit(1)
