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
"""
import argparse, csv, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

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
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
    def close(self):
        self.proc.terminate(); self.proc.wait()

class Link:
    """A fresh slowlink in front of the registry; .close() returns the bytes it carried down."""
    def __init__(self, registry_port, profile):
        self.port = free_port()
        if PROFILES[profile] is None:
            rate, delay = 100000, 0
        else:
            rate, delay = PROFILES[profile]
        self.proc = subprocess.Popen([sys.executable, os.path.join(TOOLS, "slowlink.py"), str(self.port),
                                      f"127.0.0.1:{registry_port}", "--rate-mbit", str(rate), "--delay-ms", str(delay)],
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
    def __init__(self, work, kind, registries_conf, extra_config=""):
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
            self.proc = subprocess.Popen([SRS, "--config", cfg, "--log-level",
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
        if os.environ.get("BENCH_KEEP_LOGS"):
            shutil.copy(self.log.name, os.environ["BENCH_KEEP_LOGS"])
        shutil.rmtree(self.root, ignore_errors=True)

# ---- images ----

def record_accesses(work, reg, image, layers, tag):
    """Runs the workload once through our daemon (no shaping) and writes, per layer tar, the
    files it opened in first-open order (LAYER.prio): the input of convert --prioritize."""
    host = f"127.0.0.1:{reg.port}"
    regconf = os.path.join(work, "registries-record.conf")
    with open(regconf, "w") as f:
        f.write(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n')
    d = Daemon(work, "ours", regconf)
    try:
        p = Podman(work, als=d.mnt, insecure=[host])
        try:
            p("run", "--rm", "--network", "none", "--runtime", RUNC, f"{host}/{tag}", *WORKLOADS[image])
        finally:
            p.close()
        out = run([SRS, "--config", d.cfg, "accesses", "--image", f"{host}/{tag}"]).stdout
    finally:
        d.close()
    img = json.loads(out)["images"][0]
    for tar, layer in zip(layers, img["layers"]):
        with open(tar + ".prio", "w") as f:
            f.write(",".join(layer["files"]))

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
        elif fmt == "zstd-podman":
            p = Podman(work, insecure=[host])
            try:
                flat = os.path.join(d, "flat.tar")
                if not os.path.exists(flat):
                    root = os.path.join(d, "flat")
                    os.makedirs(root, exist_ok=True)
                    for l in layers:
                        run(["tar", "-xf", l, "-C", root])
                    run(["tar", "-C", root, "-cf", flat, "."])
                    shutil.rmtree(root)
                p("import", "-q", flat, "localhost/bench-src:1")
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

def cold_run(work, reg, profile, contender, image, tag, variants):
    link = Link(reg.port, profile)
    host = f"127.0.0.1:{link.port}"
    ref = f"{host}/{tag}"
    regconf = os.path.join(work, f"registries-{link.port}.conf")
    with open(regconf, "w") as f:
        f.write(f'unqualified-search-registries = []\n[[registry]]\nlocation = "{host}"\ninsecure = true\n')
    daemon = None
    try:
        if contender.startswith("ours"):
            daemon = Daemon(work, "ours", regconf, variants.get(contender.partition("%")[2], ""))
        elif contender.startswith("peer"):
            daemon = Daemon(work, "peer", regconf)
        p = Podman(work, als=daemon.mnt if daemon else None, insecure=[host])
        try:
            t0 = time.monotonic()
            r = p("run", "--rm", "--network", "none", "--runtime", RUNC, ref, *WORKLOADS[image], check=False)
            elapsed = time.monotonic() - t0
            # bytes are counted while podman ran: a daemon streams the rest of a layer once the
            # container is quiet, which is not part of starting it
            link.close()
            ok = r.returncode == 0
            detail = "" if ok else (r.stdout + r.stderr)[-500:]
            status = None
            if daemon and contender.startswith("ours"):
                s = subprocess.run([SRS, "--config", daemon.cfg, "status", "--json"], capture_output=True, text=True)
                status = s.stdout
        finally:
            p.close()
    finally:
        if daemon:
            daemon.close()
        summary, nums = link.close()
    down = nums[1] if len(nums) > 1 else -1
    waited, wait_ms = stalls(status)
    return {"seconds": round(elapsed, 3), "ok": ok, "bytes_down": down, "reads_waited": waited,
            "wait_ms": wait_ms, "fetch_mix": fetch_mix(status), "detail": detail, "status": status}

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

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default="python")
    ap.add_argument("--profiles", default="50mbit-25ms")
    ap.add_argument("--contenders", default="full-gzip,ours-estargz,peer-estargz-ref")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "coldstart.csv"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--variant", action="append", default=[], help="NAME=TOML for ours-<fmt>%%NAME")
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="srs-bench-")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    variants = dict(v.split("=", 1) for v in a.variant)
    reg = Registry(work)
    rows = []
    try:
        for image in a.images.split(","):
            contenders = a.contenders.split(",")
            formats = sorted({c.partition("%")[0].split("-", 1)[1] for c in contenders})
            tags = push_images(work, reg, image, formats)
            for profile in a.profiles.split(","):
                for rep in range(a.reps):
                    for c in contenders:
                        fmt = c.partition("%")[0].split("-", 1)[1]
                        res = cold_run(work, reg, profile, c, image, tags[fmt], variants)
                        row = {"image": image, "profile": profile, "contender": c, "rep": rep, **res}
                        rows.append(row)
                        print(json.dumps({k: v for k, v in row.items() if k != "status"}), flush=True)
    finally:
        reg.close()
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["image", "profile", "contender", "rep", "seconds", "ok", "bytes_down",
                                           "reads_waited", "wait_ms", "fetch_mix", "detail"])
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in w.fieldnames})
    by = {}
    for r in rows:
        by.setdefault((r["image"], r["profile"], r["contender"]), []).append(r["seconds"])
    for k, v in sorted(by.items()):
        print(f"{k[0]:8s} {k[1]:14s} {k[2]:28s} median {statistics.median(v):6.2f}s  min {min(v):6.2f}  max {max(v):6.2f}")

if __name__ == "__main__":
    main()
