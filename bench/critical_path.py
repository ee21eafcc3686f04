#!/usr/bin/env python3
"""The critical path of a cold start in one daemon debug log (issue 19): from the first request
for the user's image (the registry ping, started by podman's first lookup of the image in our
mount) to the first range request for file data, which requests ran one after the other and
where the JVM worked in between.

    BENCH_LOG_LEVEL=debug BENCH_KEEP_LOGS=DIR bench/quick ...
    bench/critical_path.py DIR/*.log            # one line per log, then the median per contender

Times come from the log's own clock (ms after the ping started); a wire line is logged when the
response's headers are in, so a request started at its time minus its duration. Load stretches
JVM work, not round trips: compare two builds in one interleaved run.
"""
import re
import statistics
import sys
from datetime import datetime

WIRE = re.compile(r"^(\S+) DEBUG wire: GET (\S+)(?: \(bytes=(\d+)-(\d+)\))? -> (\d+) in (\d+) ms")
PING = re.compile(r"^(\S+) DEBUG RegistryHost: registry (\S+) is insecure and answers plain HTTP \(in (\d+) ms\)")


def t(stamp):
    return datetime.strptime(stamp.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp() * 1000


def analyse(path):
    lines = open(path, errors="replace").read().splitlines()
    start = None
    reqs = []          # (start, end, what)
    marks = {}
    layer = None
    ready = False
    for l in lines:
        if not ready:   # the daemon's own warm-ups come before it serves
            ready = "Daemon: serving layers at" in l
            continue
        if "warmup" in l:
            continue
        m = PING.match(l)
        if m and start is None:
            start = t(m.group(1)) - int(m.group(3))
            marks["ping"] = t(m.group(1))
            continue
        if start is None:
            continue
        m = WIRE.match(l)
        if m:
            end = t(m.group(1)); st = end - int(m.group(6)); url = m.group(2)
            kind = ("ping" if url.endswith("/v2/") else "referrers" if "/referrers/" in url
                    else "manifest" if "/manifests/" in url else "blob")
            if m.group(3):
                kind += f" {m.group(3)}-{m.group(4)}"
            reqs.append((st, end, kind, url))
            continue
        stamp = l.split(" ", 1)[0]
        if "TOC read early" in l or "TOC read in" in l:
            marks.setdefault("toc_parsed", t(stamp))
        elif "lazily:" in l and "serving layer" in l:
            marks.setdefault("served", t(stamp))
            layer = re.search(r"serving layer (sha256:[0-9a-f]+)", l).group(1)
        elif "of its access profile first" in l:
            marks.setdefault("profile", t(stamp))
        elif "using the access profile published" in l:
            marks.setdefault("profile_in", t(stamp))
    if start is None or layer is None:
        return None
    data = [r for r in reqs if layer in r[3] and r[0] >= marks.get("served", 0) - 5]
    tail = [r for r in reqs if layer in r[3] and r not in data]
    out = {"log": path}
    out["first_data_req_ms"] = round(min(r[0] for r in data) - start) if data else None
    out["manifest_done_ms"] = round(next((r[1] for r in reqs if r[2] == "manifest"), start) - start)
    out["toc_req_ms"] = round(tail[0][0] - start) if tail else None
    out["toc_headers_ms"] = round(tail[0][1] - start) if tail else None
    for k in ("ping", "toc_parsed", "served", "profile_in", "profile"):
        out[k + "_ms"] = round(marks[k] - start) if k in marks else None
    first = min(r[0] for r in data) if data else float("inf")
    before = sorted(r for r in reqs if r[0] < first)
    out["requests_before_data"] = [f"{round(r[0] - start)}-{round(r[1] - start)} {r[2]}" for r in before]
    # serial chain: each request that started after the previous one's headers came in
    chain, last_end = [], -1e9
    for r in before:
        if r[0] >= last_end - 1:
            chain.append(r[2]); last_end = r[1]
    out["serial_chain"] = chain
    return out


def main():
    rows = [r for r in (analyse(p) for p in sys.argv[1:]) if r]
    keys = ["ping_ms", "manifest_done_ms", "toc_req_ms", "toc_headers_ms", "toc_parsed_ms", "served_ms",
            "first_data_req_ms", "profile_in_ms", "profile_ms"]
    print("log," + ",".join(keys) + ",serial_chain")
    for r in rows:
        print(r["log"].rsplit("/", 1)[-1] + "," + ",".join(str(r[k]) for k in keys) + ","
              + " > ".join(r["serial_chain"]))
    by = {}
    for r in rows:
        label = re.sub(r"^\d{6}-", "", r["log"].rsplit("/", 1)[-1])
        by.setdefault(label, []).append(r)
    print()
    print("contender,runs," + ",".join("median " + k for k in keys))
    for label, rs in sorted(by.items()):
        med = [statistics.median([r[k] for r in rs if r[k] is not None] or [0]) for k in keys]
        print(f"{label},{len(rs)}," + ",".join(str(round(m)) for m in med))


if __name__ == "__main__":
    main()
