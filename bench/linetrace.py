#!/usr/bin/env python3
"""When a slow link's downward line was busy and when it sat idle, from tools/slowlink.py's
--trace (bench/coldstart.py writes one per run with BENCH_LINE_TRACES=DIR).

  linetrace.py [--rate-mbit 50] [--delay-ms 25] [--bucket-ms 100] TRACE...

Per trace: t0 (the first byte sent up: podman's first request), when the line first and last
carried bytes down, the bytes, the time the line was busy (bytes at its rate) and idle in
between, the idle gaps of 20 ms or more, and the line's use per bucket. A line that is idle
while a start-up waits for bytes is time a lazy client lost; idle after the last byte is not.
"""
import argparse
import sys


def read(path):
    rows = []
    with open(path) as f:
        for line in f:
            t, direction, conn, size = line.split()
            rows.append((float(t), direction, int(conn), int(size)))
    return rows


def busy_intervals(rows, bits_per_second, delay):
    """Each delivery down, as the interval the line spent sending it (it arrived `delay` after)."""
    out = []
    for t, direction, _, size in rows:
        if direction != "down":
            continue
        end = t - delay
        out.append((end - size * 8 / bits_per_second, end, size))
    return out


def report(path, bits_per_second, delay, bucket):
    rows = read(path)
    if not rows:
        print(f"{path}: empty")
        return
    t0 = min(t for t, d, _, _ in rows if d == "up") - delay
    busy = busy_intervals(rows, bits_per_second, delay)
    if not busy:
        print(f"{path}: nothing carried down")
        return
    first, last = busy[0][0], busy[-1][1]
    total = sum(s for _, _, s in busy)
    busy_s = total * 8 / bits_per_second
    gaps = []
    free_from = busy[0][1]
    for start, end, _ in busy[1:]:
        if start - free_from >= 0.020:
            gaps.append((free_from - t0, start - free_from))
        free_from = max(free_from, end)
    conns = len({c for _, d, c, _ in rows if d == "down"})
    print(f"{path}")
    print(f"  line down from {first - t0:.3f} s to {last - t0:.3f} s after the first request: "
          f"{total / 1e6:.2f} MB over {conns} connections, busy {busy_s:.3f} s, idle "
          f"{(last - first) - busy_s:.3f} s ({100 * busy_s / max(1e-9, last - first):.0f} % used)")
    print("  idle gaps >= 20 ms (at s: ms): " + ", ".join(f"{a:.2f}: {g * 1000:.0f}" for a, g in gaps))
    width = bucket
    n = int((last - t0) / width) + 1
    used = [0.0] * n
    for start, end, _ in busy:
        for i in range(max(0, int((start - t0) / width)), min(n, int((end - t0) / width) + 1)):
            lo, hi = t0 + i * width, t0 + (i + 1) * width
            used[i] += max(0.0, min(end, hi) - max(start, lo))
    print("  use per " + f"{int(width * 1000)} ms: " + " ".join(f"{min(100, round(100 * u / width)):d}" for u in used))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--rate-mbit", type=float, default=50)
    ap.add_argument("--delay-ms", type=float, default=25)
    ap.add_argument("--bucket-ms", type=float, default=100)
    a = ap.parse_args()
    for p in a.traces:
        report(p, a.rate_mbit * 1e6, a.delay_ms / 1000, a.bucket_ms / 1000)


if __name__ == "__main__":
    sys.exit(main())
