#!/usr/bin/env python3
"""Layer file-system benchmark: mount + find of a 100k-entry layer, cached reads, daemon memory.

  bench/fsbench.py [--only find,read,rss] [--find-reps 3] [--reps 5] [--entries 100000]
                   [--big-mib 256] [--images 10] [--contenders A,B,...] [--settle 15]
                   [--rss-reps 3] [--rss-variant NAME=SPEC ...]
                   [--out bench/results/fsbench.csv] [--workdir DIR]

Needs a build of this checkout (mvn -o -q package -DskipTests), docker-registry, tools/bin/refgen
and tools/bin/peer-stargz-store (built if missing), fusermount, root (FUSE). About 6 to 8 minutes on 2 vCPUs. All images live in
a docker-registry on loopback (no link shaping); the peer is peer-stargz-store (stargz-snapshotter
v0.12's store) reading refgen's eStargz of the same tar. One run measures, with its baselines:

find  A generated, deterministic layer of ENTRIES entries: packages of modules nested up to 11
      path components deep (most entries 9 to 11 deep), 87% small files (median ~250 B, 43 MB
      in all), 4.6% directories, 8.5% symlinks; 37 MB as eStargz. Per repetition and contender a fresh daemon with an
      empty store first walks a 20,000-entry warm-up layer (JIT and heap of a daemon that has
      served a node for a while; the peer does the same) and its background fetch is let finish.
      Then: mount_s = first stat of LAYER/diff (resolves the image, fetches footer + TOC, builds
      the tree); find_s = `find LAYER/diff | wc -l` (count checked against the tar); total_s =
      both; du_after_find_s = `du -s LAYER/diff` right after, a walk that stats every entry
      (find needs only names and types).
      Contenders: ours-estargz (our converter's blob), ours-estargz-ref (the refgen blob, the one
      the peer reads), ours-estargz-nobg (our blob with [fetch] background = false: shows what
      our background fetch, which starts at mount, costs a metadata walk on 2 CPUs),
      ours-estargz-kernel (our blob served by the kernel-protocol FUSE backend,
      [fuse] backend = "kernel", docs/fuse.md; not in the default set), peer-estargz-ref.
      Baseline: the peer.
read  One BIG-MiB file of random bytes, read once through each mount (fetching it: read-cold-seq)
      until the daemon reports the layer complete; the same bytes are also a local file in the
      work dir ("local-disk"). Warm-up (not recorded): two dropped sequential passes and a random
      pass per contender. Then, interleaved per repetition: seq-1M (whole file in 1 MiB reads),
      rand-4K (8192 preads) and rand-128K (1024 preads) of distinct aligned blocks (fixed seed),
      each in two cache states:
        pagecache  the kernel page cache holds the file; FUSE kernel_cache keeps pages across
                   opens, so this is mostly the kernel, not the daemon;
        dropped    posix_fadvise(DONTNEED) on the file first, so every read goes through FUSE to
                   the daemon (served from its store / memory); for local-disk, from the disk.
                   (No global drop_caches: other work shares this machine.)
      Ratios: to local-disk pagecache (the target of issue 7: >= 0.7x) and to local-disk in the
      same cache state.
rss   VmRSS of the daemon process (bin/stargz-registry-storage execs java: the pid is the JVM)
      and of the peer, idle after mount, after a stat + find of each of IMAGES different images
      (each one layer: 3,000 entries plus three 1-4 MiB files), and settled: once background
      fetching has finished (ours: status says every layer complete; the peer, which does not
      say: SETTLE s after the last find) and the process has been
      quiet (under 5% of a core for 3 s: nothing left but timers and GC ticks), VmRSS sampled
      every second for SETTLE s; settled_VmRSS is their median, _min and _max the extremes
      (one sample could land before or after a periodic GC gave heap back). VmHWM = peak.
      RSS_REPS repetitions, a fresh daemon each, contenders interleaved within a repetition.
      --rss-variant NAME=SPEC adds ours-estargz%NAME: SPEC's words go to SRS_JAVA_OPTS (after the
      launcher's defaults, so they override them), VAR=value words to the environment, e.g.
      --rss-variant 'serial=-XX:+UseSerialGC MALLOC_ARENA_MAX=2'; SRS_LAUNCHER=PATH runs another
      build's launcher (an A/B of two builds), BENCH_DAEMON_CONFIG=TOML (\n for newlines, no
      spaces) adds to the daemon's configuration. With
      -XX:NativeMemoryTracking=summary in a variant, jcmd's summary at the end of the window is
      written next to --out (-nmt-CONTENDER-REP.txt); with =detail, also what is resident by
      what it is for (bench/nmt_rss.py: smaps joined with NMT's map, -resident-CONTENDER-REP.txt).

Raw rows: --out (bench,contender,metric,rep,value,unit); a summary table (median, min, max,
ratios of medians) is printed at the end. SRS_JAVA_OPTS passes JVM options to our daemon (JFR).
"""
import argparse, base64, csv, io, json, os, random, shutil, signal, statistics, subprocess, sys, tarfile, \
    tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__ from importing coldstart
from coldstart import Registry, Daemon, SRS, TOOLS, run  # noqa: E402

MTIME = 1700000000
WORDS = (b"import def class return self None True False for in if else elif while try except with as "
         b"from lambda yield value name data path config module test util core api json http error "
         b"result index count items list dict str int bytes open read write close init main args").split()

# ---- deterministic layer tars ----

def text_pool(seed, size=4 << 20):
    """Pseudo-source text: compresses about as well as real source code."""
    r = random.Random(seed)
    out, n = [], 0
    while n < size:
        line = b" " * (4 * r.randrange(4)) + b" ".join(r.choice(WORDS) for _ in range(r.randrange(2, 12))) + b"\n"
        out.append(line); n += len(line)
    return b"".join(out)

def add(tf, name, kind, data=b"", target=""):
    ti = tarfile.TarInfo(name)
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "root", "root"
    if kind == "dir":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        tf.addfile(ti)
    elif kind == "sym":
        ti.type, ti.mode, ti.linkname = tarfile.SYMTYPE, 0o777, target
        tf.addfile(ti)
    else:
        ti.mode, ti.size = 0o644, len(data)
        tf.addfile(ti, io.BytesIO(data))

def tree_tar(path, entries, seed, big_files=0):
    """A deep tree like a language runtime's library directory: packages of modules, nested up to
    11 path components, mostly small files (median ~250 B), some symlinks; `big_files` extra files
    of 1-4 MiB of random bytes. Returns the number of tar entries (every path is its own entry)."""
    r = random.Random(seed)
    pool = text_pool(seed)
    exts = [".py", ".pyc", ".js", ".json", ".txt", ".h", ".so.txt", ".md"]
    n = 0
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        tops = ["usr", "usr/lib", f"usr/lib/rt{seed}"]
        for d in tops:
            add(tf, d, "dir"); n += 1
        dirs = [(tops[-1], 2)]  # (path, depth)
        seen = set()
        files = []
        while n < entries - big_files * 2:
            # mostly extend recent directories (depth-first growth), sometimes older ones
            parent, depth = r.choice(dirs[-40:]) if r.random() < 0.7 else r.choice(dirs)
            x = r.random()
            if x < 0.11 and depth < 9:
                name = f"{parent}/{r.choice(WORDS).decode()}{r.randrange(100)}"
                if name in seen:
                    continue
                seen.add(name)
                add(tf, name, "dir"); dirs.append((name, depth + 1))
            elif x < 0.13 and files:
                name = f"{parent}/link{n}"
                add(tf, name, "sym", target=os.path.relpath(r.choice(files[-500:]), parent))
            else:
                name = f"{parent}/{r.choice(WORDS).decode()}{n}{r.choice(exts)}"
                size = min(int(r.lognormvariate(5.5, 1.2)), 16384)
                off = r.randrange(len(pool) - size)
                add(tf, name, "file", pool[off:off + size]); files.append(name)
            n += 1
        if big_files:
            add(tf, "data", "dir"); n += 1
            for i in range(big_files):
                add(tf, f"data/blob{i}.bin", "file", r.randbytes(r.randrange(1 << 20, 4 << 20))); n += 1
    return n

def big_tar(path, mib, seed=7):
    r = random.Random(seed)
    data = b"".join(r.randbytes(1 << 20) for _ in range(mib))
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        add(tf, "big", "dir")
        add(tf, "big/blob.bin", "file", data)
    return data

# ---- images ----

def push_ours(host, tar, tag):
    """Our converter's eStargz of `tar`, pushed as REPO:TAG; returns the layer digest."""
    blob = tar + ".ours.blob"
    env = {k: v for k, v in os.environ.items() if k != "SRS_JAVA_OPTS"}  # JVM options are for the daemon
    desc = run([SRS, "convert", "--format", "estargz", tar, blob], env=env).stdout
    with open(blob + ".json", "w") as f:
        f.write(desc)
    run([sys.executable, os.path.join(HERE, "pushblobs.py"), host, tag, blob, blob + ".json"])
    os.remove(blob)
    return json.loads(desc)["digest"]

def push_ref(host, tar, tag):
    """refgen's eStargz of `tar` (tools/push-image.py); returns the layer digest."""
    out = run([sys.executable, os.path.join(TOOLS, "push-image.py"), host, tag, "estargz", tar]).stdout
    return next(json.loads(l)["digest"] for l in out.splitlines() if '"layer"' in l)

def layer_dir(mnt, ref, digest):
    return os.path.join(mnt, base64.b64encode(ref.encode()).decode(), digest)

# ---- daemons ----

LIVE = []

def start(work, kind, regconf):
    extra = os.environ.get("BENCH_DAEMON_CONFIG")
    if kind.endswith("-nobg"):  # coldstart.Daemon appends BENCH_DAEMON_CONFIG to its config
        os.environ["BENCH_DAEMON_CONFIG"] = (extra or "") + "\n[fetch]\nbackground = false\n"
    if kind.endswith("-kernel"):
        os.environ["BENCH_DAEMON_CONFIG"] = (extra or "") + '\n[fuse]\nbackend = "kernel"\n'
    d = Daemon.__new__(Daemon)
    try:
        d.__init__(work, "peer" if kind.startswith("peer") else "ours", regconf,
                   launcher=None if kind.startswith("peer") else os.environ.get("SRS_LAUNCHER"))
    except BaseException:
        if hasattr(d, "proc"):  # started but never ready: stop it, unmount, remove its root
            d.close()
        raise
    finally:
        if extra is None:
            os.environ.pop("BENCH_DAEMON_CONFIG", None)
        else:
            os.environ["BENCH_DAEMON_CONFIG"] = extra
    LIVE.append(d)
    return d

def stop(d):
    if d in LIVE:
        LIVE.remove(d)
        d.close()

def status(d):
    out = subprocess.run([SRS, "--config", d.cfg, "status", "--json"], capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}

def wait_complete(d, kind, timeout=120, min_wait=0.0):
    """Ours: until status says every lazy layer is complete. Peer: min_wait seconds."""
    t0 = time.monotonic()
    if kind.startswith("ours") and not kind.endswith("-nobg"):  # -nobg layers never complete
        while time.monotonic() - t0 < timeout:
            layers = [l for i in status(d).get("images", []) for l in i["layers"] if l.get("lazy")]
            if layers and all(l["complete"] for l in layers):
                break
            time.sleep(0.5)
    time.sleep(max(0.0, min_wait - (time.monotonic() - t0)))
    return time.monotonic() - t0

def proc_mem(pid):
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                vals[k] = int(v.split()[0]) / 1024.0
    return vals

def daemon_pid(d):
    # bin/stargz-registry-storage execs java, so the Popen pid is the JVM (checked here)
    comm = open(f"/proc/{d.proc.pid}/comm").read().strip()
    if comm not in ("java", "peer-stargz-sto", "peer-stargz-store"):
        raise RuntimeError(f"pid {d.proc.pid} is {comm!r}, not the daemon")
    return d.proc.pid

# ---- measurements ----

ROWS = []

def record(bench, contender, metric, rep, value, unit):
    ROWS.append({"bench": bench, "contender": contender, "metric": metric, "rep": rep,
                 "value": round(value, 4), "unit": unit})
    print(f"  {bench:5s} {contender:18s} {metric:24s} rep {rep}: {value:10.3f} {unit}", flush=True)

# An eStargz layer's diff/ may also show the producer's metadata entries, as a full pull extracts
# them: stargz.index.json and a prefetch landmark (ours shows them, the peer store hides them).
STARGZ_METADATA_ENTRIES = 2


def entries_match(seen, expected):
    return expected <= seen <= expected + STARGZ_METADATA_ENTRIES


def walk(d, host, tag, digest, expected, what):
    """stat LAYER/diff, then find | wc -l (checked); returns (stat s, find s)."""
    lay = layer_dir(d.mnt, f"{host}/{tag}", digest)
    t0 = time.monotonic()
    os.stat(os.path.join(lay, "diff"))
    t1 = time.monotonic()
    out = subprocess.run(f"find '{lay}/diff' | wc -l", shell=True, check=True, capture_output=True, text=True).stdout
    t2 = time.monotonic()
    if not entries_match(int(out) - 1, expected):  # find prints diff itself
        raise RuntimeError(f"{what}: find saw {int(out) - 1} entries, the tar has {expected}")
    return lay, t1 - t0, t2 - t1

def bench_find(work, host, regconf, images, expected, warmup, reps):
    for rep in range(reps):
        for contender, (tag, digest) in images.items():
            t_rep = time.monotonic()
            d = start(work, contender, regconf)
            t_started = time.monotonic()
            try:
                # a node's daemon has been running: warm it up (JIT, heap) on another image first
                walk(d, host, *warmup, f"{contender} warm-up")
                t_warm = time.monotonic()
                waited = wait_complete(d, contender, min_wait=3.0)  # its background fetch is done
                lay, mount_s, find_s = walk(d, host, tag, digest, expected, contender)
                t0 = time.monotonic()
                subprocess.run(["du", "-s", "--apparent-size", f"{lay}/diff"], check=True, capture_output=True)
                du_s = time.monotonic() - t0
                record("find", contender, "mount_s", rep, mount_s, "s")
                record("find", contender, "find_s", rep, find_s, "s")
                record("find", contender, "total_s", rep, mount_s + find_s, "s")
                record("find", contender, "du_after_find_s", rep, du_s, "s")
            finally:
                t_stop = time.monotonic()
                stop(d)
            print(f"  ({contender} rep {rep} took {time.monotonic() - t_rep:.0f} s: start {t_started - t_rep:.1f}, "
                  f"warm-up {t_warm - t_started:.1f} + {waited:.1f}, stop and clean-up {time.monotonic() - t_stop:.1f})", flush=True)

def drop_file_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)

def seq_read(path, bs=1 << 20):
    buf = bytearray(bs)
    mv = memoryview(buf)
    total = 0
    t0 = time.monotonic()
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(mv)
            if not n:
                break
            total += n
    return total, time.monotonic() - t0

def rand_read(path, bs, count, seed):
    r = random.Random(seed)
    blocks = os.path.getsize(path) // bs
    count = min(count, blocks // 2)
    offs = [b * bs for b in r.sample(range(blocks), count)]  # distinct blocks
    buf = bytearray(bs)
    fd = os.open(path, os.O_RDONLY)
    try:
        t0 = time.monotonic()
        for o in offs:
            if os.preadv(fd, [buf], o) != bs:
                raise RuntimeError(f"short read at {o} of {path}")
        return bs * count, time.monotonic() - t0
    finally:
        os.close(fd)

def bench_read(work, host, regconf, images, data, reps):
    local = os.path.join(work, "local-big.bin")
    with open(local, "wb") as f:
        f.write(data)
        os.fsync(f.fileno())
    paths = {"local-disk": local}
    daemons = []
    try:
        for contender, (tag, digest) in images.items():
            d = start(work, contender, regconf); daemons.append(d)
            p = os.path.join(layer_dir(d.mnt, f"{host}/{tag}", digest), "diff", "big", "blob.bin")
            n, s = seq_read(p)  # fetches the file (page cache gets it too)
            if n != len(data):
                raise RuntimeError(f"{contender}: read {n} bytes, expected {len(data)}")
            record("read", contender, "read-cold-seq", 0, n / s / 1e6, "MB/s")
            waited = wait_complete(d, contender, min_wait=2.0)
            print(f"  {contender}: layer complete after {waited:.1f} s", flush=True)
            with open(p, "rb") as f:  # content check, outside any timing
                if f.read(1 << 20) != data[:1 << 20]:
                    raise RuntimeError(f"{contender}: content differs")
            paths[contender] = p
        # warm-up, not recorded: JIT-compile our read path (a serving daemon would have), and the
        # same passes for the others; leaves the local copy in the page cache
        for p in paths.values():
            for _ in range(2):
                drop_file_cache(p)
                seq_read(p)
            drop_file_cache(p)
            rand_read(p, 4096, 4096, seed=1)
            seq_read(p)
        modes = [("seq-1M", None, None), ("rand-4K", 4096, 8192), ("rand-128K", 131072, 1024)]
        for rep in range(reps):
            for state in ("dropped", "pagecache"):
                for name, bs, count in modes:
                    for contender, p in paths.items():
                        if state == "dropped":
                            drop_file_cache(p)
                        elif name != "seq-1M":
                            pass  # the seq-1M pagecache pass just before left the whole file cached
                        else:
                            seq_read(p)  # a dropped random pass left it partly cached: refill
                        if bs is None:
                            n, s = seq_read(p)
                        else:
                            n, s = rand_read(p, bs, count, seed=1000 * rep + bs)
                        record("read", contender, f"{name}-{state}", rep, n / s / 1e6, "MB/s")
    finally:
        for d in daemons:
            stop(d)

def cpu_seconds(pid):
    """utime + stime of the process, all threads (/proc/PID/stat), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def wait_quiet(pid, window=3.0, max_cpu=0.05, timeout=90.0):
    """Until the process used under MAX_CPU of one core over WINDOW s (GC ticks and timers only).
    Returns the seconds waited; TIMEOUT s at most (then the samples say so: not settled)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        c0, w0 = cpu_seconds(pid), time.monotonic()
        time.sleep(window)
        if (cpu_seconds(pid) - c0) / (time.monotonic() - w0) < max_cpu:
            break
    return time.monotonic() - t0

def variant_env(contender, variants):
    """The environment of a contender ours-estargz%NAME: --rss-variant NAME=SPEC, SPEC's VAR=value
    words set environment variables (MALLOC_ARENA_MAX=2), the others go to SRS_JAVA_OPTS (after
    the launcher's defaults, so they override them)."""
    if "%" not in contender:
        return {}
    spec = variants[contender.split("%", 1)[1]]
    env, opts = {}, []
    for word in spec.split():
        k, eq, v = word.partition("=")
        if eq and k.isupper() and not k.startswith("-"):
            env[k] = v
        else:
            opts.append(word)
    base = os.environ.get("SRS_JAVA_OPTS", "")
    env["SRS_JAVA_OPTS"] = (base + " " + " ".join(opts)).strip()
    return env

def nmt_summary(pid, path):
    """jcmd's native memory summary, when the JVM runs with -XX:NativeMemoryTracking."""
    out = subprocess.run(["jcmd", str(pid), "VM.native_memory", "summary", "scale=MB"],
                         capture_output=True, text=True).stdout
    if "Native Memory Tracking" in out and "not enabled" not in out:
        with open(path, "w") as f:
            f.write(out)
        return True
    return False

def bench_rss(work, host, regconf, sets, settle, reps, variants, out):
    """Per repetition, every contender in turn (interleaved): a fresh daemon, IMAGES layers
    stat + find, background fetch done, then quiet (wait_quiet), then VmRSS sampled every second
    for SETTLE s: settled_VmRSS is the median of those samples, settled_VmRSS_max their maximum."""
    order = list(sets) + [f"ours-estargz%{n}" for n in variants]
    for rep in range(reps):
        for contender in order:
            imgs = sets[contender.split("%", 1)[0]]
            env = variant_env(contender, variants)
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                d = start(work, contender, regconf)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            try:
                pid = daemon_pid(d)
                record("rss", contender, "idle_VmRSS", rep, proc_mem(pid)["VmRSS"], "MiB")
                for tag, digest, expected in imgs:
                    lay = layer_dir(d.mnt, f"{host}/{tag}", digest)
                    os.stat(os.path.join(lay, "diff"))
                    n = subprocess.run(f"find '{lay}/diff' | wc -l", shell=True, check=True,
                                       capture_output=True, text=True).stdout
                    if not entries_match(int(n) - 1, expected):
                        raise RuntimeError(f"{contender} {tag}: find saw {int(n) - 1}, the tar has {expected}")
                record("rss", contender, "touched_VmRSS", rep, proc_mem(pid)["VmRSS"], "MiB")
                # the peer says nothing about its background fetch (it starts once reads pause):
                # give it SETTLE s first, as before
                waited = wait_complete(d, contender, min_wait=0.0 if contender.startswith("ours") else settle)
                quiet = wait_quiet(pid)
                samples = []
                for _ in range(max(1, int(settle))):
                    time.sleep(1.0)
                    samples.append(proc_mem(pid)["VmRSS"])
                record("rss", contender, "settled_VmRSS", rep, statistics.median(samples), "MiB")
                record("rss", contender, "settled_VmRSS_min", rep, min(samples), "MiB")
                record("rss", contender, "settled_VmRSS_max", rep, max(samples), "MiB")
                end = proc_mem(pid)
                record("rss", contender, "settled_VmHWM", rep, end["VmHWM"], "MiB")
                # at the end of the window: anonymous memory (heap, malloc, stacks, code cache)
                # against mapped files (the JVM's and native libraries' code, the CDS archive)
                record("rss", contender, "end_RssAnon", rep, end["RssAnon"], "MiB")
                record("rss", contender, "end_RssFile", rep, end["RssFile"], "MiB")
                nmt = f"{os.path.splitext(out)[0]}-nmt-{contender.replace('%', '_')}-{rep}.txt"
                if contender.startswith("ours") and nmt_summary(pid, nmt):
                    print(f"  NMT summary: {nmt}", flush=True)
                    if "NativeMemoryTracking=detail" in env.get("SRS_JAVA_OPTS", ""):
                        where = subprocess.run([sys.executable, os.path.join(HERE, "nmt_rss.py"), str(pid)],
                                               capture_output=True, text=True).stdout
                        with open(nmt.replace("-nmt-", "-resident-"), "w") as f:
                            f.write(where)
                        print(where, end="", flush=True)
                print(f"  {contender}: layers complete after {waited:.1f} s, quiet after {quiet:.1f} s more;"
                      f" samples {' '.join(f'{v:.0f}' for v in samples)}", flush=True)
            finally:
                stop(d)

# ---- summary ----

def summary():
    by = {}
    for r in ROWS:
        by.setdefault((r["bench"], r["metric"], r["contender"]), []).append(r["value"])
    med = {k: statistics.median(v) for k, v in by.items()}

    def ratio(bench, metric, contender):
        b = med.get((bench, metric, contender))
        return f"{med[key] / b:.2f}x" if b else ""
    print(f"\n{'bench':5s} {'metric':20s} {'contender':18s} {'median':>9s} {'min':>9s} {'max':>9s} {'unit':4s}  ratios")
    for key in sorted(by):
        bench, metric, contender = key
        v = by[key]
        if bench == "read":
            r = f"{ratio(bench, metric.replace('-dropped', '-pagecache'), 'local-disk'):>6s} of local pagecache"
            if metric.endswith("-dropped"):
                r += f", {ratio(bench, metric, 'local-disk'):>6s} of local dropped"
        else:
            r = f"{ratio(bench, metric, 'peer-estargz-ref'):>6s} of peer"
        if metric == "read-cold-seq":
            r = ""  # a fetch over loopback: no local counterpart
        print(f"{bench:5s} {metric:20s} {contender:18s} {med[key]:9.3f} {min(v):9.3f} {max(v):9.3f} {unit_of(bench):4s}  {r}")
    print("find, rss: lower is better; read: higher is better")

def unit_of(bench):
    return {"find": "s", "read": "MB/s", "rss": "MiB"}[bench]

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--find-reps", type=int, default=3, help="repetitions of find (a fresh daemon each)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions of read")
    ap.add_argument("--only", default="find,read,rss")
    ap.add_argument("--contenders", default="ours-estargz,ours-estargz-ref,ours-estargz-nobg,peer-estargz-ref",
                    help="find: which to run (read and rss run ours-estargz and the peer)")
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--big-mib", type=int, default=256)
    ap.add_argument("--images", type=int, default=10)
    ap.add_argument("--settle", type=float, default=15.0,
                    help="rss: seconds of VmRSS samples (one a second) once the daemon is quiet")
    ap.add_argument("--rss-reps", type=int, default=3, help="rss: repetitions (a fresh daemon each)")
    ap.add_argument("--rss-variant", action="append", default=[], metavar="NAME=SPEC",
                    help="rss: also run ours-estargz%%NAME with SPEC: JVM options for SRS_JAVA_OPTS and"
                         " VAR=value environment variables (repeatable)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "fsbench.csv"))
    ap.add_argument("--workdir", default=None, help="work directory, kept after the run (default: a temporary one, removed)")
    a = ap.parse_args()
    only = set(a.only.split(","))
    contenders = set(a.contenders.split(","))
    work = a.workdir or tempfile.mkdtemp(prefix="srs-fsbench-")
    os.makedirs(work, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    # SIGTERM/SIGHUP unwind like Ctrl-C so every mount and process is cleaned up
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    reg = None
    t_start = time.monotonic()
    try:
        reg = Registry(work)
        host = f"127.0.0.1:{reg.port}"
        regconf = os.path.join(work, "registries.conf")
        with open(regconf, "w") as f:
            f.write(f'unqualified-search-registries = []\n[[registry]]\nlocation = "{host}"\ninsecure = true\n')
        if "find" in only:
            print(f"== find: layer of {a.entries} entries ({time.monotonic() - t_start:.0f} s)", flush=True)
            tar = os.path.join(work, f"tree{a.entries}.tar")
            expected = tree_tar(tar, a.entries, seed=1)
            imgs = {}
            if contenders & {"ours-estargz", "ours-estargz-nobg", "ours-estargz-kernel"}:
                ours = ("bench/tree:ours", push_ours(host, tar, "bench/tree:ours"))
                imgs.update({c: ours for c in ("ours-estargz", "ours-estargz-nobg", "ours-estargz-kernel") if c in contenders})
            if contenders & {"ours-estargz-ref", "peer-estargz-ref"}:
                ref = ("bench/tree:ref", push_ref(host, tar, "bench/tree:ref"))
                imgs.update({c: ref for c in ("ours-estargz-ref", "peer-estargz-ref") if c in contenders})
            wtar = os.path.join(work, "warmup.tar")
            wexpected = tree_tar(wtar, 20000, seed=2)
            warmup = ("bench/warmup:ref", push_ref(host, wtar, "bench/warmup:ref"), wexpected)
            print(f"  images pushed ({time.monotonic() - t_start:.0f} s)", flush=True)
            bench_find(work, host, regconf, imgs, expected, warmup, a.find_reps)
        if "read" in only:
            print(f"== read: one {a.big_mib} MiB file ({time.monotonic() - t_start:.0f} s)", flush=True)
            tar = os.path.join(work, f"big{a.big_mib}.tar")
            data = big_tar(tar, a.big_mib)
            ours_big = ("bench/big:ours", push_ours(host, tar, "bench/big:ours"))
            imgs = {"ours-estargz": ours_big,
                    "peer-estargz-ref": ("bench/big:ref", push_ref(host, tar, "bench/big:ref"))}
            if "ours-estargz-kernel" in contenders:
                imgs["ours-estargz-kernel"] = ours_big
            os.remove(tar)
            bench_read(work, host, regconf, imgs, data, a.reps)
            del data
        if "rss" in only:
            print(f"== rss: {a.images} images ({time.monotonic() - t_start:.0f} s)", flush=True)
            sets = {"ours-estargz": [], "peer-estargz-ref": []}
            for i in range(a.images):
                tar = os.path.join(work, f"small{i}.tar")
                expected = tree_tar(tar, 3000, seed=100 + i, big_files=3)
                sets["ours-estargz"].append((f"bench/small{i}:ours", push_ours(host, tar, f"bench/small{i}:ours"), expected))
                sets["peer-estargz-ref"].append((f"bench/small{i}:ref", push_ref(host, tar, f"bench/small{i}:ref"), expected))
                os.remove(tar)
            bench_rss(work, host, regconf, sets, a.settle, a.rss_reps,
                      dict(v.split("=", 1) for v in a.rss_variant), a.out)
    finally:
        for d in list(LIVE):
            try:
                stop(d)
            except Exception as e:  # keep cleaning up
                print(f"cleanup: {e}", file=sys.stderr)
        if reg:
            reg.close()
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)
        if ROWS:
            with open(a.out, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=["bench", "contender", "metric", "rep", "value", "unit"])
                w.writeheader()
                w.writerows(ROWS)
    summary()
    print(f"wall time {time.monotonic() - t_start:.0f} s; raw results in {a.out}")

if __name__ == "__main__":
    main()
