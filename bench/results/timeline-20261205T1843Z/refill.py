"""One-off, for the runs here whose CSV an earlier bench/timeline.py wrote: fills podman_start_ms,
the open_* columns and tl_small_files_first / tl_everything_first from the run's kept debug logs
(BENCH_KEEP_LOGS=DIR/: one per cold run, in order, after the publish run's), podman's start
taken from the log's 'resolved' line minus tl_resolved (on the 1843Z run, whose CSV has them
from coldstart.py itself, it gives the same open_* values and start within 1 ms).

  refill.py CSV LOGDIR
"""
import csv, glob, os, re, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import timeline
csv_path, log_dir = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(csv_path)))
logs = sorted(glob.glob(log_dir + "/*.log"))
runs = logs[len(logs) - len(rows):]
assert len(runs) == len(rows), (len(runs), len(rows))
for r, lp in zip(rows, runs):
    text = open(lp).read()
    tag = r["contender"].partition("%")[0].split("-", 1)[1].replace("+", "-")
    m = re.search(r"^(\S+)Z INFO  LayerStore: resolved (\S+) to ", text, re.M)
    if m is None or not r["tl_resolved"]:
        continue
    assert m.group(2).endswith(":" + tag), (m.group(2), tag)
    start = timeline._epoch_ms(m.group(1)) - float(r["tl_resolved"]) * 1000
    layers = re.findall(r"serving layer (sha256:[0-9a-f]+) of 127", text)
    # each layer's TOC was in by the debug line written right after its tree was built
    tocs = {}
    for ts, short in re.findall(r"^(\S+)Z DEBUG LayerStore: 127\S+@([0-9a-f]{12}): TOC read", text, re.M):
        d = next(x for x in layers if x[7:].startswith(short))
        tocs[d] = timeline._epoch_ms(ts)
    r.update(timeline.open_path(text, start, tocs))
    for ph in ("small_files", "everything"):
        m2 = re.search(r"^(\S+)Z DEBUG LayerFetcher: \S+: " + ph + ", bytes", text, re.M)
        if not r.get(f"tl_{ph}_first"):
            r[f"tl_{ph}_first"] = round((timeline._epoch_ms(m2.group(1)) - start) / 1000, 3) if m2 else ""
    r["podman_start_ms"] = int(start)
fields = list(rows[0].keys())
for k in timeline.FIELDS:
    if k not in fields:
        fields.insert(fields.index("detail"), k)
with open(csv_path, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in fields})
print("refilled", len(rows))
