#!/usr/bin/env python3
"""How long podman waited on our layer lookup (issue 19, zstd:chunked), from daemon debug logs
(BENCH_LOG_LEVEL=debug BENCH_KEEP_LOGS=DIR): per log, ms from "serving layer ... lazily" (the
layer's TOC is in and it is served) to podman's first create of the layer's `use` file, which
podman does once it has read the layer's `info`; and the tar-size measurement's own ms when the
log has one (ExactDiffSize: a tar-split fetched on the lookup, or the gaps between payloads of
a podman 4.3 layer). eStargz rows take a few tens of ms: podman reads `info` and goes on.

  bench/lookup_wait.py DIR/*.log      # one line per log, then the median per contender"""
import collections
import re
import statistics
import sys
from datetime import datetime


def t(stamp):
    return datetime.strptime(stamp.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp() * 1000


SIZE = re.compile(r"tar size \d+ (?:from its tar-split|measured)[^\n]* in (\d+) ms")
per = collections.defaultdict(list)
for path in sys.argv[1:]:
    # logs are named HHMMSS-PID-CONTENDER.log
    contender = path.rsplit("/", 1)[-1].split("-", 2)[-1].removesuffix(".log")
    served = use = measured = None
    for line in open(path, errors="replace"):
        # the daemon's warm-up image (warmup.invalid, base64 in mount paths) comes first
        if "warmup" in line or "d2FybXVw" in line:
            continue
        stamp = line.split(" ", 1)[0]
        if served is None and "serving layer" in line and "lazily:" in line:
            served = t(stamp)
        elif served is not None and use is None and (
                ("create /" in line and "/use:" in line)  # libfuse backend: FuseBinding
                # kernel backend: Operations logs CREATE (opcode 35) by node, with the reason
                or ("FUSE opcode 35 " in line and "reference taken" in line)):
            use = t(stamp)
        m = SIZE.search(line)
        if m and measured is None:
            measured = int(m.group(1))
    if served is None or use is None:
        continue
    per[contender].append(use - served)
    print(f"{path.rsplit('/', 1)[-1]}: served -> use {use - served:.0f} ms"
          + (f", tar size measured on the lookup in {measured} ms" if measured else ""))
for c, v in sorted(per.items()):
    print(f"{c}: median {statistics.median(v):.0f} ms (min {min(v):.0f}, max {max(v):.0f}, "
          f"{len(v)} logs)")
