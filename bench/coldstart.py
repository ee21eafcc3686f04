#!/usr/bin/env python3
"""Cold-start benchmark: podman run of an image through a slow link, for each contender.

  coldstart.py --images python[,jdk,busybox] --profiles 50mbit-25ms[,100mbit-10ms,unshaped]
               --contenders full-gzip,full-zstd-podman,ours-estargz,...,peer-estargz-ref [--reps 5]
               [--out bench/results/coldstart.csv] [--workdir DIR]
               [--variant NAME='[fetch]\nkey = value' ...]

A contender "ours-<format>%NAME" runs our daemon with the --variant NAME's extra configuration
(A/B of a setting in one run, e.g. --variant nonear='[fetch]\nnearby_files = "0B"').

Every cold run has fresh podman storage, a fresh daemon store (or peer state), and a fresh
slowlink proxy (tools/slowlink.py) between podman/daemon and the registry, whose byte
count is that run's bytes fetched. The time is podman run's wall clock (pull included); the
daemon (or peer) is started and mounted before the clock starts, as a node service would be.
Images are built from this machine's files (bench/mkimage.py) and pushed once per invocation:
gzip and estargz-ref by tools/push-image.py, estargz/zstd-chunked-stargz/zstd-chunked by
our converter, zstd-podman by podman push, optimized ones by our converter from an access list
recorded in a first run through the daemon.

Formats we did not make (reference producers, their default settings):
  estargz-ref     refgen (stargz-snapshotter's estargz.Build), the image's layers (base + app)
  estargz-ref1    refgen, the image flattened into one layer
  zstd-podman     `podman push --compression-format zstd:chunked` by podman 4.3.1 (one layer)
  zstd-podman5    the same push by podman 5.4 (the Debian 13 root of scripts/podman5-root.sh)

Every row also carries the floor of its image and profile (bench/floor.py): local_run_s (the
image already local, median of --reps runs, measured here), the start-up's compressed bytes at
the link's rate, and the round trips no client avoids. The opened files come from the daemon's
`accesses` after our first successful cold run of the image (or a recording run if no `ours`
contender ran); a row's floor uses its own format's blobs (TOC + chunks), a full pull's row
the floor of estargz-ref (else the smallest floor of the image).
"""
import argparse, csv, fcntl, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time
import urllib.request, uuid
import floor
import timeline

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = os.path.join(ROOT, "tools")
SRS = os.path.join(ROOT, "bin", "stargz-registry-storage")
RUNC = os.path.join(TOOLS, "no-rlimits", "runc")
PROFILES = {"unshaped": None, "100mbit-10ms": (100, 10), "50mbit-25ms": (50, 25)}
WORKLOADS = {
    "python": ["/usr/bin/python3", "-c", "import json, http.server, sqlite3, ssl; print('ok')"],
    "jdk": ["/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "-version"],
    "busybox": ["/bin/sh", "-c", "echo ok"],
}

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening")

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

def go_tool(name):
    """tools/bin/NAME, built from tools/NAME first if missing (tools/build-go.sh)."""
    path = os.path.join(TOOLS, "bin", name)
    if not os.access(path, os.X_OK):
        run(["bash", os.path.join(TOOLS, "build-go.sh"), name])
    return path

class Registry:
    """A docker-registry on 127.0.0.1 (plain HTTP) keeping its blobs in WORK/NAME; `extra` is
    more of its YAML config (bench/cluster: a pull-through cache's `proxy:` section)."""
    def __init__(self, work, name="registry", extra=""):
        self.port = free_port(); self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        cfg = os.path.join(work, name + ".yml")
        with open(cfg, "w") as f:
            f.write(f"version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {self.dir}}}}}\n"
                    f"http: {{addr: 127.0.0.1:{self.port}, secret: bench}}\n" + extra)
        # BENCH_REGISTRY_LOGS=DIR keeps each registry's request log (DIR/NAME-PORT.log), e.g. to
        # see what a pull-through cache asked its origin for
        logs = os.environ.get("BENCH_REGISTRY_LOGS")
        log = open(os.path.join(logs, f"{name}-{self.port}.log"), "w") if logs else subprocess.DEVNULL
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=log, stderr=log)
        wait_port(self.port)
    def close(self):
        self.proc.terminate(); self.proc.wait()

class Link:
    """A fresh slowlink in front of the registry; .close() returns the bytes it carried down."""
    def __init__(self, registry_port, profile, label=""):
        self.port = free_port()
        if PROFILES[profile] is None:
            rate, delay = 100000, 0
        else:
            rate, delay = PROFILES[profile]
        trace = []
        # BENCH_LINE_TRACES=DIR keeps each link's deliveries (DIR/TIME-PID-CONTENDER.trace), for
        # bench/linetrace.py: when the line sat idle
        traces = os.environ.get("BENCH_LINE_TRACES")
        if traces:
            os.makedirs(traces, exist_ok=True)
            trace = ["--trace", os.path.join(traces, f"{time.strftime('%H%M%S')}-{os.getpid()}-{label}.trace")]
        self.proc = subprocess.Popen([sys.executable, os.path.join(TOOLS, "slowlink.py"), str(self.port),
                                      f"127.0.0.1:{registry_port}", "--rate-mbit", str(rate), "--delay-ms", str(delay),
                                      *trace],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_port(self.port)
        self.closed = None
    def close(self):
        """Ends the link (idempotent): what it carried until now is what the run fetched."""
        if self.closed is None:
            self.proc.send_signal(signal.SIGTERM)
            out, _ = self.proc.communicate(timeout=30)
            nums = [int(t) for t in out.replace(",", " ").split() if t.isdigit()]
            self.closed = (out.strip(), nums)
        return self.closed

class Podman:
    def __init__(self, work, als=None, insecure=()):
        self.dir = tempfile.mkdtemp(prefix="podman-", dir=work)
        with open(os.path.join(self.dir, "storage.conf"), "w") as f:
            f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{self.dir}/graph"\nrunroot = "{self.dir}/run"\n')
            if als:
                f.write(f'[storage.options]\nadditionallayerstores = ["{als}:ref"]\n')
        with open(os.path.join(self.dir, "registries.conf"), "w") as f:
            f.write("unqualified-search-registries = []\n")
            for r in insecure:
                f.write(f'[[registry]]\nlocation = "{r}"\ninsecure = true\n')
    def env(self):
        e = dict(os.environ)
        e["CONTAINERS_STORAGE_CONF"] = os.path.join(self.dir, "storage.conf")
        e["CONTAINERS_REGISTRIES_CONF"] = os.path.join(self.dir, "registries.conf")
        return e
    def __call__(self, *args, check=True):
        return subprocess.run(["podman", "--cgroup-manager", "cgroupfs", "--events-backend", "file", *args],
                              env=self.env(), capture_output=True, text=True, check=check)
    def close(self):
        self("rm", "-a", "-f", check=False); self("rmi", "-a", "-f", check=False)
        self("system", "reset", "-f", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

class Daemon:
    """Ours or the peer, mounted before the clock starts."""
    def __init__(self, work, kind, registries_conf, extra_config="", launcher=None, label=None):
        self.label = (label or kind).replace("/", "_")
        self.root = tempfile.mkdtemp(prefix=f"{kind}-root-", dir=work)
        self.mnt = os.path.join(self.root, "mnt")
        os.makedirs(self.mnt)
        self.log = open(os.path.join(self.root, "daemon.log"), "w")
        if kind == "peer":
            self.proc = subprocess.Popen([go_tool("peer-stargz-store"), "-root", os.path.join(self.root, "state"), "-plain-http",
                                          self.mnt], stdout=self.log, stderr=subprocess.STDOUT)
        else:
            cfg = os.path.join(self.root, "config.toml")
            with open(cfg, "w") as f:
                f.write(f'[store]\nroot = "{self.root}/store"\n[registry]\nregistries_conf = "{registries_conf}"\n')
                f.write((os.environ.get("BENCH_DAEMON_CONFIG", "") + "\n" + extra_config).replace("\\n", "\n"))
            self.cfg = cfg
            self.proc = subprocess.Popen([launcher or SRS, "--config", cfg, "--log-level",
                                          os.environ.get("BENCH_LOG_LEVEL", "info"), self.mnt],
                                         stdout=self.log, stderr=subprocess.STDOUT)
        end = time.time() + 60
        while not self.mounted():
            if self.proc.poll() is not None or time.time() > end:
                raise RuntimeError(f"{kind} did not mount: " + open(self.log.name).read()[-2000:])
            time.sleep(0.05)
        if kind != "peer":
            while subprocess.run([SRS, "--config", cfg, "status"], capture_output=True).returncode != 0:
                time.sleep(0.05)
    def mounted(self):
        with open("/proc/self/mountinfo") as f:
            return any(l.split()[4] == self.mnt for l in f)
    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["fusermount", "-u", "-z", self.mnt], capture_output=True)
        keep = os.environ.get("BENCH_KEEP_LOGS")
        if keep:
            # a directory (existing, or a name ending in /) keeps every daemon's log, named by time
            # and contender; a file the last one
            if keep.endswith("/") or os.path.isdir(keep):
                os.makedirs(keep, exist_ok=True)
                keep = os.path.join(keep, f"{time.strftime('%H%M%S')}-{os.getpid()}-{self.label}.log")
            shutil.copy(self.log.name, keep)
        shutil.rmtree(self.root, ignore_errors=True)

# ---- images ----

def recorded_accesses(work, reg, image, tag, extra_config=""):
    """The daemon's `accesses` JSON after one unshaped run of the workload through it."""
    host = f"127.0.0.1:{reg.port}"
    regconf = os.path.join(work, "registries-record.conf")
    with open(regconf, "w") as f:
        f.write(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n')
    d = Daemon(work, "ours", regconf, extra_config)
    try:
        p = Podman(work, als=d.mnt, insecure=[host])
        try:
            p("run", "--rm", "--network", "none", "--runtime", RUNC, f"{host}/{tag}", *WORKLOADS[image])
        finally:
            p.close()
        return json.loads(run([SRS, "--config", d.cfg, "accesses", "--image", f"{host}/{tag}"]).stdout)
    finally:
        d.close()

def publish_profile(work, reg, image, tag):
    """Issue 19: one unshaped run through a daemon with [profiles] publish = true, so the
    registry holds the start-up's access profile beside the image (OCI artifact, referrers tag);
    the cold runs of a daemon with [profiles] fetch (the default) then start from it, their
    stores empty like a second node's. Returns the number of profiled files."""
    a = recorded_accesses(work, reg, image, tag, '[profiles]\npublish = true\n')
    repo, _, ref = tag.rpartition(":")
    r = urllib.request.Request(f"http://127.0.0.1:{reg.port}/v2/{repo}/manifests/{ref}", headers={
        "Accept": "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(r) as resp:
        digest = "sha256:" + __import__("hashlib").sha256(resp.read()).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{reg.port}/v2/{repo}/manifests/sha256-{digest[7:]}",
                                 headers={"Accept": "application/vnd.oci.image.index.v1+json"})
    with urllib.request.urlopen(req) as r:
        index = json.load(r)
    if not any(m.get("artifactType", "").startswith("application/vnd.stargz-registry-storage.access-profile")
               for m in index.get("manifests", [])):
        raise RuntimeError(f"no access profile published for {tag}: {index}")
    return sum(len(l.get("files", [])) for img in a.get("images", []) for l in img.get("layers", []))

def record_accesses(work, reg, image, layers, tag):
    """Runs the workload once through our daemon (no shaping) and writes, per layer tar, the
    files it opened in first-open order (LAYER.prio): the input of convert --prioritize."""
    img = recorded_accesses(work, reg, image, tag)["images"][0]
    for tar, layer in zip(layers, img["layers"]):
        with open(tar + ".prio", "w") as f:
            f.write(",".join(layer["files"]))

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PODMAN5_ROOT = os.environ.get("SRS_PODMAN5_ROOT", "/var/cache/stargz-registry-storage/podman5-root").rstrip("/")
PODMAN5_SCRIPT = os.path.join(ROOT, "scripts", "podman5-root.sh")

def flat_tar(d, layers):
    """The image's layers extracted over each other and tarred again: a one-layer image."""
    flat = os.path.join(d, "flat.tar")
    if not os.path.exists(flat):
        root = os.path.join(d, "flat")
        os.makedirs(root, exist_ok=True)
        for l in layers:
            run(["tar", "-xf", l, "-C", root])
        run(["tar", "-C", root, "-cf", flat, "."])
        shutil.rmtree(root)
    return flat

def import_changes(cmd):
    """`podman import --change` arguments giving a podman-pushed image the config every other
    format's image has (Cmd, PATH): without them its entrypoint closure cannot be predicted,
    which no image built by `podman build` lacks (the first zstd-podman rows were measured so)."""
    return ["--change", "CMD " + cmd, "--change", "ENV PATH=" + DEFAULT_PATH]

def podman5_push(flat, host, tag, cmd):
    """`podman push --compression-format zstd:chunked` by podman 5.4 in its Debian 13 root, taken
    as the testkit's Podman5Root does (a lock on ROOT.in-use, mounted while held, unmounted after)."""
    with open(PODMAN5_ROOT + ".in-use", "w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        try:
            run(["bash", PODMAN5_SCRIPT, "create"]); run(["bash", PODMAN5_SCRIPT, "mount"])
            d = os.path.join(PODMAN5_ROOT, "w", str(uuid.uuid4()))
            os.makedirs(d)
            inside = "/" + os.path.relpath(d, PODMAN5_ROOT)
            env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                   "PODMAN_IGNORE_CGROUPSV1_WARNING": "1", "CONTAINERS_STORAGE_CONF": inside + "/storage.conf",
                   "CONTAINERS_REGISTRIES_CONF": inside + "/registries.conf"}
            p5 = ["/usr/sbin/chroot", PODMAN5_ROOT, "podman", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
            try:
                shutil.copy(flat, os.path.join(d, "flat.tar"))
                with open(os.path.join(d, "storage.conf"), "w") as f:
                    f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{inside}/graph"\nrunroot = "{inside}/run"\n'
                            '[storage.options.overlay]\nmountopt = "nodev"\n')
                with open(os.path.join(d, "registries.conf"), "w") as f:
                    f.write(f'unqualified-search-registries = []\n[[registry]]\nlocation = "{host}"\ninsecure = true\n')
                run(p5 + ["import", "-q", *import_changes(cmd), inside + "/flat.tar", "localhost/bench-src:1"],
                    env=env)
                run(p5 + ["push", "-q", "--tls-verify=false", "--compression-format", "zstd:chunked",
                          "localhost/bench-src:1", f"docker://{host}/{tag}"], env=env)
            finally:
                for args in (["rmi", "-a", "-f"], ["system", "reset", "-f"]):
                    subprocess.run(p5 + args, env=env, capture_output=True)
                shutil.rmtree(d, ignore_errors=True)
        finally:
            subprocess.run(["bash", PODMAN5_SCRIPT, "umount"], capture_output=True)
            fcntl.lockf(lock, fcntl.LOCK_UN)

def push_images(work, reg, image, formats):
    """Builds the image's layers and pushes it once per format; returns {format: repo:tag}."""
    d = os.path.join(work, "img-" + image)
    if not os.path.isdir(d):
        run([sys.executable, os.path.join(HERE, "mkimage.py"), image, d])
    layers = [os.path.join(d, f) for f in ("base.tar", "app.tar") if os.path.exists(os.path.join(d, f))]
    host = f"127.0.0.1:{reg.port}"
    cmd = json.dumps(WORKLOADS[image])
    out = {}
    # plain formats first: an optimized one is recorded through its plain twin
    for fmt in sorted(formats, key=lambda f: f.endswith("+opt")):
        tag = f"bench/{image}:" + fmt.replace("@", "-chunk-").replace("+", "-")
        if fmt in ("gzip", "estargz-ref", "zstd-stargz-ref"):
            kind = {"gzip": "gzip", "estargz-ref": "estargz", "zstd-stargz-ref": "zstd-stargz"}[fmt]
            run([sys.executable, os.path.join(TOOLS, "push-image.py"), host, tag, kind, *layers, "--cmd", cmd])
        elif fmt == "estargz-ref1":
            run([sys.executable, os.path.join(TOOLS, "push-image.py"), host, tag, "estargz", flat_tar(d, layers),
                 "--cmd", cmd])
        elif fmt == "zstd-podman5":
            podman5_push(flat_tar(d, layers), host, tag, cmd)
        elif fmt == "zstd-podman":
            p = Podman(work, insecure=[host])
            try:
                flat = flat_tar(d, layers)
                p("import", "-q", *import_changes(cmd), flat, "localhost/bench-src:1")
                p("push", "-q", "--tls-verify=false", "--compression-format", "zstd:chunked",
                  "localhost/bench-src:1", f"docker://{host}/{tag}")
            finally:
                p.close()
        else:
            # ours: estargz, zstd-chunked, zstd-chunked-stargz, converted locally then pushed;
            # "<fmt>@<chunk size>" picks a chunk size, "<fmt>+opt" prioritizes recorded files
            optimized = fmt.endswith("+opt")
            base_fmt, _, chunk = fmt.removesuffix("+opt").partition("@")
            pairs = []
            for l in layers:
                blob = f"{l}.{fmt}.blob"
                args = [SRS, "convert", "--format", base_fmt]
                if chunk:
                    args += ["--chunk-size", chunk]
                prio = l + ".prio"
                if optimized:
                    if not os.path.exists(prio):
                        plain = fmt.removesuffix("+opt")
                        if plain not in out:
                            out.update(push_images(work, reg, image, [plain]))
                        record_accesses(work, reg, image, layers, out[plain])
                    if open(prio).read().strip():
                        args += ["--prioritize", open(prio).read().strip()]
                desc = run(args + [l, blob]).stdout
                with open(blob + ".json", "w") as f:
                    f.write(desc)
                pairs += [blob, blob + ".json"]
            run([sys.executable, os.path.join(HERE, "pushblobs.py"), host, tag, "--cmd", cmd, *pairs])
        out[fmt] = tag
    return out

# ---- one cold run ----

def cold_run(work, reg, profile, contender, image, tag, variants, launchers=None):
    link = Link(reg.port, profile, label=contender)
    host = f"127.0.0.1:{link.port}"
    ref = f"{host}/{tag}"
    regconf = os.path.join(work, f"registries-{link.port}.conf")
    with open(regconf, "w") as f:
        f.write(f'unqualified-search-registries = []\n[[registry]]\nlocation = "{host}"\ninsecure = true\n')
    daemon = None
    second = None
    try:
        if contender.startswith("ours"):
            name = contender.partition("%")[2]
            daemon = Daemon(work, "ours", regconf, variants.get(name, ""), (launchers or {}).get(name),
                            label=contender)
        elif contender.startswith("peer"):
            daemon = Daemon(work, "peer", regconf)
        p = Podman(work, als=daemon.mnt if daemon else None, insecure=[host])
        try:
            start_ms = time.time() * 1000
            t0 = time.monotonic()
            r = p("run", "--rm", "--network", "none", "--runtime", RUNC, ref, *WORKLOADS[image], check=False)
            elapsed = time.monotonic() - t0
            exit_ms = start_ms + elapsed * 1000
            # bytes are counted while podman ran: a daemon streams the rest of a layer once the
            # container is quiet, which is not part of starting it
            link.close()
            ok = r.returncode == 0
            detail = "" if ok else (r.stdout + r.stderr)[-500:]
            status = accesses = None
            tl = {}
            if daemon and contender.startswith("ours"):
                s = subprocess.run([SRS, "--config", daemon.cfg, "status", "--json"], capture_output=True, text=True)
                status = s.stdout
                a = subprocess.run([SRS, "--config", daemon.cfg, "accesses", "--image", ref],
                                   capture_output=True, text=True)
                accesses = json.loads(a.stdout) if a.returncode == 0 and ok else None
                # where the time went (issue 19): the daemon's milestones around podman's clock
                tl = timeline.milestones(status, start_ms, exit_ms)
                with open(daemon.log.name) as lf:
                    tl.update(timeline.open_path(lf.read(), start_ms, timeline.tocs_loaded(status)))
            # BENCH_SECOND_RUN=1: the same command once more with the link closed, everything it
            # reads now local (the daemon's cache, the kernel's page cache): the mount's own cost,
            # against local_run_s
            if os.environ.get("BENCH_SECOND_RUN") and ok:
                t1 = time.monotonic()
                r2 = p("run", "--rm", "--network", "none", "--runtime", RUNC, ref, *WORKLOADS[image], check=False)
                second = round(time.monotonic() - t1, 3) if r2.returncode == 0 else None
        finally:
            p.close()
    finally:
        if daemon:
            daemon.close()
        summary, nums = link.close()
    down = nums[1] if len(nums) > 1 else -1
    waited, wait_ms = stalls(status)
    return {"seconds": round(elapsed, 3), "second_s": second, "ok": ok, "bytes_down": down, "reads_waited": waited,
            "wait_ms": wait_ms, "fetch_mix": fetch_mix(status), "detail": detail, "status": status,
            "accesses": accesses, **tl}

def status_layers(status_json):
    """Every layer entry of our `status --json` output; None if there is none (the peer, an
    unreadable status)."""
    if not status_json:
        return None
    try:
        return [l for img in json.loads(status_json)["images"] for l in img["layers"]]
    except (ValueError, KeyError):
        return None

def stalls(status_json):
    """Reads that waited for the network, and their total wait (ms), from our status."""
    layers = status_layers(status_json)
    if layers is None:
        return "", ""
    return (sum(l.get("readsWaited", 0) for l in layers),
            sum(l.get("readWaitMillis", 0) for l in layers))

def fetch_mix(status_json):
    """Our bytes fetched by reason (demand, read_ahead, near_reader...), summed over layers, in
    KiB: "demand=5120 read_ahead=900 ...". Says how much of a start's traffic was speculation."""
    layers = status_layers(status_json)
    if layers is None:
        return ""
    total = {}
    for l in layers:
        for reason, n in l.get("bytesByReason", {}).items():
            total[reason] = total.get(reason, 0) + n
    return " ".join(f"{r}={n >> 10}" for r, n in total.items())

# ---- the floor ----

def local_runs(work, reg, image, tag, reps):
    """Median seconds of `podman run` of the image already in podman's storage (pulled first,
    not timed), same command and runtime as the cold runs."""
    host = f"127.0.0.1:{reg.port}"
    p = Podman(work, insecure=[host])
    try:
        p("pull", "-q", f"{host}/{tag}")
        times = []
        for _ in range(reps):
            t0 = time.monotonic()
            p("run", "--rm", "--network", "none", "--runtime", RUNC, f"{host}/{tag}", *WORKLOADS[image])
            times.append(time.monotonic() - t0)
    finally:
        p.close()
    return statistics.median(times)

def manifest_of(reg, tag):
    repo, _, ref = tag.rpartition(":")
    r = urllib.request.Request(f"http://127.0.0.1:{reg.port}/v2/{repo}/manifests/{ref}", headers={
        "Accept": "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"})
    return json.load(urllib.request.urlopen(r))

def floors(work, reg, image, tags, accesses, local_s, profile):
    """{format: floor dict} for every format of the image with a TOC; full pulls ("gzip") get the
    floor of estargz-ref, else the smallest."""
    if PROFILES[profile] is None:
        rate, delay = 100000, 0
    else:
        rate, delay = PROFILES[profile]
    files = floor.opened_files(accesses)
    out = {}
    for fmt, tag in tags.items():
        try:
            b = floor.startup_bytes(reg.dir, manifest_of(reg, tag), files)
        except (ValueError, KeyError, OSError, subprocess.CalledProcessError):
            continue   # no TOC: a full pull's format
        out[fmt] = {"floor_format": fmt, **floor.floor(local_s, b["startup_bytes"], rate, delay), **b}
    if out:
        ref = out.get("estargz-ref") or min(out.values(), key=lambda f: f["floor_s"])
        for fmt in tags:
            out.setdefault(fmt, ref)
    return out

FLOOR_FIELDS = ["floor_s", "floor_format", "local_run_s", "transfer_s", "rtt_s", "startup_bytes", "toc_bytes"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default="python")
    ap.add_argument("--profiles", default="50mbit-25ms")
    ap.add_argument("--contenders", default="full-gzip,ours-estargz,peer-estargz-ref")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "coldstart.csv"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--variant", action="append", default=[], help="NAME=TOML for ours-<fmt>%%NAME")
    ap.add_argument("--variant-launcher", action="append", default=[],
                    help="NAME=PATH: ours-<fmt>%%NAME runs the daemon with this launcher (a copy of "
                    "bin/ beside another build's daemon/target/stargz-registry-storage.jar: an A/B of "
                    "two builds in one run); NAME needs no --variant")
    ap.add_argument("--publish-profile", default="", help="FMT[,FMT]: before the cold runs, publish "
                    "the access profile of a recorded run of the image in that format (issue 19)")
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="srs-bench-")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    variants = dict(v.split("=", 1) for v in a.variant)
    launchers = dict(v.split("=", 1) for v in a.variant_launcher)
    reg = Registry(work)
    rows = []
    try:
        for image in a.images.split(","):
            contenders = a.contenders.split(",")
            formats = sorted({c.partition("%")[0].split("-", 1)[1] for c in contenders})
            tags = push_images(work, reg, image, formats)
            for fmt in filter(None, a.publish_profile.split(",")):
                n = publish_profile(work, reg, image, tags[fmt])
                print(json.dumps({"image": image, "format": fmt, "profile_published_files": n}), flush=True)
            local_s = local_runs(work, reg, image, tags.get("gzip") or next(iter(tags.values())), a.reps)
            print(json.dumps({"image": image, "local_run_s": round(local_s, 3)}), flush=True)
            for profile in a.profiles.split(","):
                image_rows = []
                for rep in range(a.reps):
                    for c in contenders:
                        fmt = c.partition("%")[0].split("-", 1)[1]
                        res = cold_run(work, reg, profile, c, image, tags[fmt], variants, launchers)
                        row = {"image": image, "profile": profile, "contender": c, "rep": rep, "format": fmt, **res}
                        image_rows.append(row)
                        print(json.dumps({k: v for k, v in row.items() if k not in ("status", "accesses")}), flush=True)
                accesses = next((r["accesses"] for r in image_rows if r.get("accesses")), None)
                if accesses is None:
                    lazy = next((f for f in tags if f != "gzip"), None)
                    if lazy:
                        accesses = recorded_accesses(work, reg, image, tags[lazy])
                fl = floors(work, reg, image, tags, accesses, local_s, profile) if accesses else {}
                for fmt, f in sorted(fl.items()):
                    print(json.dumps({"image": image, "profile": profile, "format": fmt, "floor": f}), flush=True)
                for row in image_rows:
                    row.update({k: fl.get(row["format"], {}).get(k, "") for k in FLOOR_FIELDS})
                rows += image_rows
    finally:
        reg.close()
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["image", "profile", "contender", "rep", "seconds", "second_s", "ok", "bytes_down",
                                           "reads_waited", "wait_ms", "fetch_mix", *FLOOR_FIELDS,
                                           *timeline.FIELDS, "detail"])
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in w.fieldnames})
    by = {}
    for r in rows:
        by.setdefault((r["image"], r["profile"], r["contender"]), []).append(r["seconds"])
    for k, v in sorted(by.items()):
        fl = next((r["floor_s"] for r in rows if (r["image"], r["profile"], r["contender"]) == k and r["floor_s"]), None)
        vs = f"  floor {fl:6.2f}s  {statistics.median(v) / fl:5.2f}x floor" if fl else ""
        print(f"{k[0]:8s} {k[1]:14s} {k[2]:28s} median {statistics.median(v):6.2f}s  min {min(v):6.2f}  max {max(v):6.2f}{vs}")

if __name__ == "__main__":
    main()
