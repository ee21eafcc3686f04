#!/usr/bin/env python3
"""Where a cold start waited, from daemon logs kept at debug level (coldstart.py with
BENCH_LOG_LEVEL=debug BENCH_KEEP_LOGS=DIR): per log, the reads that waited for the network
(file, ms, in order), the bytes of predicted requests per file, and the links the library
prefetcher followed ("(ra)": a module that arrived by read-ahead, not opened).

  bench/waits.py DIR/*.log"""
import re, sys, collections
for path in sys.argv[1:]:
    waits, pred, links = [], collections.Counter(), []
    for line in open(path, errors="replace"):
        if "warmup" in line:
            continue
        m = re.search(r"a read of '([^']+)' waited (\d+) ms", line)
        if m:
            waits.append((m.group(1), int(m.group(2))))
        m = re.search(r"predicted, bytes (\d+)-(\d+) .*first for '([^']+)'", line)
        if m:
            pred[m.group(3)] += int(m.group(2)) - int(m.group(1))
        m = re.search(r"LibraryPrefetcher: \S+ (\S+) (\(read ahead, not opened\) )?links (\S+)", line)
        if m:
            links.append((m.group(1).rsplit("/", 1)[1], bool(m.group(2)), m.group(3).rstrip(":").rsplit("/", 1)[1]))
    short = lambda f: f.replace("usr/lib/python3.11/", "").replace("lib/x86_64-linux-gnu/", "").replace("__pycache__/", "").replace(".cpython-311", "").replace("-x86_64-linux-gnu", "")
    print(f"== {path.rsplit('/', 1)[-1]}: {len(waits)} waits, {sum(w for _, w in waits)} ms; predicted {sum(pred.values())} bytes")
    print("   waits: " + "; ".join(f"{short(f)} {ms}" for f, ms in waits))
    print("   predicted by file: " + ", ".join(f"{short(f)} {n // 1024}K" for f, n in pred.most_common()))
    print("   links: " + ", ".join(f"{a}{'(ra)' if ra else ''}->{b}" for a, ra, b in links))
