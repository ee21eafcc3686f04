#!/usr/bin/env python3
"""Turns cold-start CSVs (bench/coldstart.py --out) into the table of docs/benchmarks.md and a chart.

  report.py CSV... [--md OUT.md] [--png OUT.png]

Per image and link profile, per contender: median seconds, min-max, ratio to the full pull
(full-gzip of the same CSV, same image and profile), ratio to the peer (peer-estargz-ref),
median bytes fetched (MB, counted at the link) and, for our daemon, the reads that waited for
the network and their total wait; the floor of the row's image and profile (bench/floor.py: the
image already local + the start-up's compressed bytes at the link's rate + unavoidable round
trips, for the row's own format) and the ratio to it. Below each table, the floor's parts per
format. Ratios are only computed within one CSV (one run), never across runs; a CSV without floor
columns (before issue 19) leaves them empty. The PNG needs matplotlib (Debian: python3-matplotlib, run with /usr/bin/python3); without
it the table is still written.
"""
import argparse, csv, os, statistics, sys

BASELINE = "full-gzip"
PEER = "peer-estargz-ref"

def load(paths):
    groups = {}  # (csv, image, profile) -> contender -> rows
    for p in paths:
        for r in csv.DictReader(open(p)):
            if r.get("ok", "True") != "True":
                continue
            groups.setdefault((os.path.basename(p), r["image"], r["profile"]), {}) \
                  .setdefault(r["contender"], []).append(r)
    return groups

def med(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "", "-1")]
    return statistics.median(vals) if vals else None

def floor_parts(by):
    """"FORMAT: F s = L + T (B MB, TOC K KB) + R" for each format of a group that has a floor."""
    seen = {}
    for c, rows in by.items():
        r = rows[0]
        if r.get("floor_s") and r.get("startup_bytes"):
            fmt = r.get("floor_format") or c.partition("%")[0].split("-", 1)[1]
            seen.setdefault((r["floor_s"], r["startup_bytes"]), (fmt, r))
    out = []
    for (fl, _), (fmt, r) in sorted(seen.items(), key=lambda kv: kv[1][0]):
        out.append(f"{fmt}: {float(fl):.2f} s = {float(r['local_run_s']):.2f} + {float(r['transfer_s']):.2f} "
                   f"({int(r['startup_bytes']) / 1e6:.2f} MB, TOC {int(r['toc_bytes']) / 1e3:.0f} kB) "
                   f"+ {float(r['rtt_s']):.2f}")
    return out

def table(groups):
    lines = []
    for (src, image, profile), by in sorted(groups.items(), key=lambda kv: kv[0][1:] + kv[0][:1]):
        base = med(by.get(BASELINE, []), "seconds")
        peer = med(by.get(PEER, []), "seconds")
        lines.append(f"**{image}, {profile}** ({src}, {len(next(iter(by.values())))} runs each)\n")
        lines.append("| contender | median s | min-max s | vs full pull | vs peer | floor s | vs floor | MB fetched | reads waited | wait s |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c, rows in sorted(by.items(), key=lambda kv: med(kv[1], "seconds")):
            s = med(rows, "seconds")
            secs = [float(r["seconds"]) for r in rows]
            mb = med(rows, "bytes_down")
            waited = med(rows, "reads_waited")
            wait = med(rows, "wait_ms")
            fl = med(rows, "floor_s")
            lines.append("| {} | {:.2f} | {:.2f}-{:.2f} | {} | {} | {} | {} | {} | {} | {} |".format(
                c, s, min(secs), max(secs),
                f"{s / base:.2f}x" if base else "",
                f"{s / peer:.2f}x" if peer else "",
                f"{fl:.2f}" if fl else "",
                f"{s / fl:.2f}x" if fl else "",
                f"{mb / 1e6:.1f}" if mb else "",
                f"{waited:.0f}" if waited is not None else "",
                f"{wait / 1000:.2f}" if wait is not None else ""))
        lines.append("")
        parts = floor_parts(by)
        if parts:
            lines.append("Floor = local run + start-up bytes at link rate + round trips, per format: " + "; ".join(parts) + ".")
            lines.append("")
    return "\n".join(lines)

def chart(groups, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no chart (apt-get install python3-matplotlib, run with "
              "/usr/bin/python3)", file=sys.stderr)
        return False
    keys = sorted(groups, key=lambda k: k[1:] + k[:1])
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, 1.2 + 0.42 * sum(len(groups[k]) for k in keys)),
                             squeeze=False)
    for ax, k in zip(axes[:, 0], keys):
        by = groups[k]
        names = sorted(by, key=lambda c: med(by[c], "seconds"), reverse=True)
        meds = [med(by[c], "seconds") for c in names]
        lo = [m - min(float(r["seconds"]) for r in by[c]) for m, c in zip(meds, names)]
        hi = [max(float(r["seconds"]) for r in by[c]) - m for m, c in zip(meds, names)]
        colors = ["#4c72b0" if c.startswith("ours") else "#dd8452" if c.startswith("peer")
                  else "#8c8c8c" for c in names]
        ax.barh(names, meds, xerr=[lo, hi], color=colors, capsize=3)
        for y, m in enumerate(meds):
            ax.text(m, y, f" {m:.2f}s", va="center", fontsize=8)
        ax.set_title(f"{k[1]}, {k[2]}: podman run, cold (median, min-max)", fontsize=10)
        ax.set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return True

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--md")
    ap.add_argument("--png")
    a = ap.parse_args()
    groups = load(a.csv)
    md = table(groups)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md + "\n")
    print(md)
    if a.png and chart(groups, a.png):
        print(f"chart: {a.png}")

if __name__ == "__main__":
    main()
