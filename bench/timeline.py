#!/usr/bin/env python3
"""Where a cold start's time goes (issue 19): the daemon's per-start timeline, relative to podman.

  timeline.py CSV... [--md OUT.md]

bench/coldstart.py calls milestones() for each of our cold runs: from `status --json` (each
image's and layer's `timeline`, epoch ms: docs/operations.md, "Where a start's time went") and
the epoch ms at which `podman run` started and exited, it makes the tl_* columns of the CSV, in
seconds since podman started. With a debug daemon log (BENCH_LOG_LEVEL=debug) open_path() also
counts the round trips on the critical path of opening the image: the chain of registry
requests, each begun after the one before it answered, that ends when the last TOC is in (no
request for file content can start before).

Run on a CSV, it prints per contender the medians of the breakdown:

  podman -> lookup        podman start until the daemon's first lookup of the image
  lookup -> TOC ready     until every layer's TOC was in (manifest, config, TOC reads); of it,
                          until the first registry request (wire log) and from the manifest on:
                          until the last TOC read was sent, answered (headers), and from then
                          until the TOC was in (body, decompression, verification, index)
  TOC ready -> 1st read   until the first read of a file through the mount (podman's own work:
                          layer records, container set-up, runtime start)
  1st -> last read        the container's reads; "waited" is the wall time in which at least one
                          read waited for the network (union of the 16 longest waits of each layer)
  last read -> exit       after the last read until podman exited (process exit, clean-up)

and (seconds since podman started) when the first prefetch request began, the access profile
arrived, the predicted and prioritized phases ended and the bulk phases began; the open path's round trips. Medians of
each step are taken separately: they need not add up to the median total.
"""
import argparse, csv, json, re, statistics

FIELDS = ["podman_start_ms", "tl_lookup", "tl_manifest", "tl_resolved", "tl_toc_requested", "tl_toc_loaded",
          "tl_served", "tl_profile", "tl_first_read", "tl_last_read", "tl_exit",
          "tl_demand_first", "tl_demand_last", "tl_predicted_first", "tl_predicted_end",
          "tl_prioritized_first", "tl_prioritized_end", "tl_near_reader_end",
          "tl_small_files_first", "tl_everything_first",
          "tl_waited_wall", "tl_waits_top", "open_rtts", "open_path", "open_first_request",
          "open_toc_sent", "open_toc_answered"]


def _rel(ms, t0_ms):
    return "" if not ms else round((ms - t0_ms) / 1000, 3)


def milestones(status_json, podman_start_ms, podman_exit_ms):
    """The tl_* columns of one run (seconds since podman started; "" where not reached)."""
    out = {k: "" for k in FIELDS if not k.startswith("open_")}
    out["podman_start_ms"] = int(podman_start_ms)
    out["tl_exit"] = round((podman_exit_ms - podman_start_ms) / 1000, 3)
    try:
        images = json.loads(status_json)["images"] if status_json else []
    except (ValueError, KeyError):
        return out
    itl = [i.get("timeline", {}) for i in images]
    ltl = [l["timeline"] for i in images for l in i["layers"] if "timeline" in l]

    def first(tls, key):
        v = [t[key] for t in tls if t.get(key)]
        return min(v) if v else 0

    def last(tls, key):
        v = [t[key] for t in tls if t.get(key)]
        return max(v) if v else 0

    def phase(key, which):
        v = [t["phases"][key][which] for t in ltl if key in t.get("phases", {})]
        return (min(v) if which == "firstStart" else max(v)) if v else 0

    r = lambda ms: _rel(ms, podman_start_ms)
    out.update({
        "tl_lookup": r(first(itl, "lookup")), "tl_manifest": r(first(itl, "manifest")),
        "tl_resolved": r(first(itl, "resolved")),
        "tl_toc_requested": r(first(ltl, "tocRequested")),
        # TOC ready: every layer's TOC in (a start needs all of them before podman goes on)
        "tl_toc_loaded": r(last(ltl, "tocLoaded")), "tl_served": r(last(ltl, "served")),
        "tl_profile": r(last(ltl, "profileArrived")),
        "tl_first_read": r(first(ltl, "firstRead")), "tl_last_read": r(last(ltl, "lastRead")),
        "tl_demand_first": r(phase("demand", "firstStart")),
        "tl_demand_last": r(phase("demand", "lastEnd")),
        "tl_predicted_first": r(phase("predicted", "firstStart")),
        "tl_predicted_end": r(phase("predicted", "lastEnd")),
        "tl_prioritized_first": r(phase("prioritized", "firstStart")),
        "tl_prioritized_end": r(phase("prioritized", "lastEnd")),
        "tl_near_reader_end": r(phase("near_reader", "lastEnd")),
        # the bulk phases wait for containers to be quiet (background_quiet): did they start
        # while podman was still starting?
        "tl_small_files_first": r(phase("small_files", "firstStart")),
        "tl_everything_first": r(phase("everything", "firstStart")),
    })
    waits = [w for t in ltl for w in t.get("longestWaits", [])]
    # the wall time in which a container's read waited: the union of the waits, clipped to the
    # reads through the mount (the prefetcher's reads of ELF headers wait too, before them)
    lo, hi = first(ltl, "firstRead"), last(ltl, "lastRead")
    spans = sorted((max(lo, w["start"]), min(hi, w["start"] + w["millis"])) for w in waits
                   if lo and w["start"] + w["millis"] > lo and w["start"] < hi)
    wall, end = 0, None
    for s, e in spans:
        if end is None or s > end:
            wall += e - s
            end = e
        elif e > end:
            wall += e - end
            end = e
    out["tl_waited_wall"] = round(wall / 1000, 3) if waits else ""
    top = sorted(waits, key=lambda w: -w["millis"])[:4]
    out["tl_waits_top"] = " ".join(
        f"{w['path']}@{r(w['start'])}s:{w['millis']}ms:{w['bytes'] >> 10}KiB:{w['waitedFor']}"
        for w in top)
    return out


LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z \S+\s+(\S+): (.*)$")
WIRE = re.compile(r"^(\S+) (\S+)(?: \([^)]*\))? -> \S+ (?:in|after) (\d+) ms")


def _epoch_ms(ts):
    import datetime
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def _kind(url):
    if url.endswith("/v2/"):
        return "ping"
    for part, kind in (("/referrers/", "referrers"), ("/manifests/", "manifest"), ("/blobs/", "blob")):
        if part in url:
            return kind
    return "token" if "token" in url or "auth" in url else "other"


def _layers(status_json):
    try:
        images = json.loads(status_json)["images"] if status_json else []
    except (ValueError, KeyError):
        return []
    return [l for i in images for l in i["layers"]]


def tocs_loaded(status_json):
    """{layer digest: epoch ms at which its TOC was in}, from `status --json`."""
    return {l["digest"]: l["timeline"]["tocLoaded"] for l in _layers(status_json)
            if l.get("timeline", {}).get("tocLoaded")}


def open_path(log_text, podman_start_ms, tocs):
    """{"open_rtts": N, "open_path": "ping>manifest>blob(range)"}: the registry round trips on
    the critical path of opening the image, from podman's start until every TOC was in
    (the latest of `tocs`, {layer digest: epoch ms its TOC was in}): the chain of
    requests, each begun after the one before it answered, ending with the last TOC read to
    answer before then (a TOC read: a read of a layer begun before its TOC was in; its fetches
    start after) (debug log: the
    registry client's `wire` lines, which it writes when a response's headers arrive). The
    access profile's look-ups (referrers, then its manifest and blob) run beside the open path
    and are left out: everything from the first referrers request on that is not a layer's.
    Empty strings without them."""
    wire = []
    for line in log_text.splitlines():
        m = LINE.match(line)
        if not m or m.group(2) != "wire":
            continue
        t = _epoch_ms(m.group(1))
        w = WIRE.match(m.group(3))
        if w and t >= podman_start_ms:
            kind = _kind(w.group(2)) + ("(range)" if "(bytes=" in m.group(3) else "")
            layer = next((d for d in tocs if d in w.group(2)), None)
            start = t - int(w.group(3))
            if layer is None or start <= tocs[layer]:
                wire.append((start, t, kind, layer is not None))
    until_ms = max(tocs.values(), default=0)
    if not until_ms or not wire:
        return {"open_rtts": "", "open_path": "", "open_first_request": "", "open_toc_sent": "",
                "open_toc_answered": ""}
    # when the first registry request of the start began (its TLS probe of an insecure
    # registry, which the wire lines do not show, comes before it)
    first_request = round((min(w[0] for w in wire) - podman_start_ms) / 1000, 3)
    profile_from = min((w[0] for w in wire if w[2] == "referrers"), default=None)
    wire = [w for w in wire if w[2] != "referrers"
            and (profile_from is None or w[0] < profile_from or w[3])]
    chain, at, toc = [], until_ms, None
    rel = lambda ms: round((ms - podman_start_ms) / 1000, 3)
    while True:
        # log times are whole ms: a request that answered in the same ms counts as before
        before = [w for w in wire if w[1] <= at and w[0] >= podman_start_ms
                  and (chain or w[3])]
        if not before:
            return {"open_rtts": len(chain), "open_path": ">".join(reversed(chain)),
                    "open_first_request": first_request,
                    "open_toc_sent": rel(toc[0]) if toc else "",
                    "open_toc_answered": rel(toc[1]) if toc else ""}
        w = max(before, key=lambda x: x[1])
        toc = toc or w
        chain.append(w[2])
        at = w[0] - 1


BREAKDOWN = [
    ("podman -> lookup", lambda r: f(r, "tl_lookup")),
    ("lookup -> TOC ready", lambda r: d(r, "tl_toc_loaded", "tl_lookup")),
    ("(lookup -> 1st registry request)", lambda r: d(r, "open_first_request", "tl_lookup")),
    ("(manifest -> TOC ready)", lambda r: d(r, "tl_toc_loaded", "tl_manifest")),
    ("(manifest -> last TOC read sent)", lambda r: d(r, "open_toc_sent", "tl_manifest")),
    ("(TOC read sent -> answered)", lambda r: d(r, "open_toc_answered", "open_toc_sent")),
    ("(TOC read answered -> TOC ready)", lambda r: d(r, "tl_toc_loaded", "open_toc_answered")),
    ("TOC ready -> 1st read", lambda r: d(r, "tl_first_read", "tl_toc_loaded")),
    ("1st -> last read", lambda r: d(r, "tl_last_read", "tl_first_read")),
    ("(of which waited)", lambda r: f(r, "tl_waited_wall")),
    ("last read -> exit", lambda r: d(r, "tl_exit", "tl_last_read")),
    ("total (podman run)", lambda r: f(r, "tl_exit")),
    ("first prefetch request at", lambda r: min([x for x in (f(r, "tl_predicted_first"),
                                                             f(r, "tl_prioritized_first"))
                                                   if x is not None], default=None)),
    ("profile arrived at", lambda r: f(r, "tl_profile")),
    ("predicted ended at", lambda r: f(r, "tl_predicted_end")),
    ("prioritized ended at", lambda r: f(r, "tl_prioritized_end")),
    ("bulk (small files) began at", lambda r: f(r, "tl_small_files_first")),
    ("bulk (everything) began at", lambda r: f(r, "tl_everything_first")),
    ("open path RTTs", lambda r: f(r, "open_rtts")),
    ("reads waited", lambda r: f(r, "reads_waited")),
]


def f(r, k):
    v = r.get(k, "")
    return float(v) if v not in ("", None) else None


def d(r, a, b):
    x, y = f(r, a), f(r, b)
    return x - y if x is not None and y is not None else None


def breakdown(rows):
    by = {}
    for r in rows:
        if r.get("ok", "True") == "True" and r.get("tl_exit"):
            by.setdefault(r["contender"], []).append(r)
    names = sorted(by)
    lines = ["| step (median s) | " + " | ".join(names) + " |",
             "| --- |" + " ---: |" * len(names)]
    for label, fn in BREAKDOWN:
        cells = []
        for c in names:
            v = [x for x in (fn(r) for r in by[c]) if x is not None]
            cells.append("" if not v else (f"{statistics.median(v):.0f}" if label in (
                "open path RTTs", "reads waited") else f"{statistics.median(v):.2f}"))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(f"\n{', '.join(f'{c}: {len(by[c])} runs' for c in names)}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--md")
    a = ap.parse_args()
    rows = [r for p in a.csv for r in csv.DictReader(open(p))]
    md = breakdown(rows)
    print(md)
    if a.md:
        with open(a.md, "w") as out:
            out.write(md + "\n")


if __name__ == "__main__":
    main()
