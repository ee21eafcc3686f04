#!/usr/bin/env python3
"""The physical floor of a cold start: what no lazy client can beat on a given link.

  floor_s = local_run_s + transfer_s + rtt_s

local_run_s  median `podman run` of the image already in podman's local storage (measured by
             coldstart.py in the same run, same command as the cold runs);
transfer_s   startup_bytes * 8 / link rate, where startup_bytes is, per layer, the compressed
             byte ranges of the chunks of every file the start-up opened (the daemon's
             `accesses` after one of our cold runs; a path counts in the topmost layer that has
             it), overlapping ranges merged, plus the layer's TOC and footer;
rtt_s        RTTS_PER_START round trips of the profile (2 x its one-way delay): TCP connect,
             manifest, config, footer + TOC of every layer (one tail range per layer, all layers
             in parallel: once), the file data (all ranges at once: once).

Reads the TOCs from the blobs in the benchmark registry's own storage directory (no network);
eStargz (gzip footer), stargz-flavoured zstd:chunked and containers/storage zstd:chunked (40,
56 and 64-byte footers). Needs the `zstd` program for zstd TOCs.

  floor.py REGISTRY_DIR MANIFEST.json ACCESSES.json   prints the floor's bytes for that image
"""
import gzip, io, json, os, struct, subprocess, sys, tarfile

RTTS_PER_START = 5
ESTARGZ_FOOTER = 51
ESTARGZ_LEGACY_FOOTER = 47
SKIPPABLE_MAGIC = b"\x50\x2a\x4d\x18"


def blob_path(registry_dir, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(registry_dir, "docker", "registry", "v2", "blobs", algo, hexd[:2], hexd, "data")


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    return name.strip("/")


class Toc:
    """One layer's TOC: per regular file, its chunks' compressed ranges; and the bytes a client
    reads to get the TOC (TOC + footer)."""

    def __init__(self, entries, toc_start, toc_bytes):
        self.toc_bytes = toc_bytes
        starts = sorted({e["offset"] for e in entries if e.get("offset", 0) > 0} | {toc_start})
        nxt = {s: starts[i + 1] for i, s in enumerate(starts[:-1])}
        self.ranges = {}   # path -> [(start, end)]
        links = {}
        for e in entries:
            name = norm(e.get("name", ""))
            t = e.get("type")
            if t == "hardlink":
                links[name] = norm(e.get("linkName", ""))
            if t not in ("reg", "chunk") or e.get("offset", 0) <= 0:
                if t == "reg":
                    self.ranges.setdefault(name, [])
                continue
            end = e.get("endOffset") or nxt.get(e["offset"], toc_start)
            self.ranges.setdefault(name, []).append((e["offset"], end))
        for link, target in links.items():
            if target in self.ranges:
                self.ranges[link] = self.ranges[target]

    @staticmethod
    def read(path):
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            f.seek(max(0, size - 72))
            tail = f.read()
            zstd = Toc._zstd_footer(tail)
            if zstd:
                offset, compressed, frame = zstd
                f.seek(offset)
                raw = subprocess.run(["zstd", "-dcq"], input=f.read(compressed), capture_output=True,
                                     check=True).stdout
                # the manifest's own skippable header, the manifest, the footer frame; a
                # tar-split (containers/storage 1.50+) is not needed to serve files lazily
                return Toc(json.loads(raw)["entries"], offset, compressed + 8 + frame)
            i = tail.rfind(b"STARGZ")
            if i < 16:
                raise ValueError(f"{path}: neither an eStargz nor a zstd:chunked footer")
            offset = int(tail[i - 16:i], 16)
            f.seek(offset)
            data = f.read(size - offset)
        # the TOC gzip member is followed by the footer (another gzip member): decompress one
        toc_tar = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
        with tarfile.open(fileobj=io.BytesIO(toc_tar)) as t:
            toc = json.load(t.extractfile("stargz.index.json"))
        return Toc(toc["entries"], offset, size - offset)

    @staticmethod
    def _zstd_footer(tail):
        """(manifest offset, compressed length, footer frame size) or None."""
        for size in (64, 56, 40):
            frame = 8 + size
            if len(tail) < frame:
                continue
            h = tail[len(tail) - frame:]
            if h[:4] != SKIPPABLE_MAGIC or struct.unpack("<I", h[4:8])[0] != size:
                continue
            body = h[8:]
            magic = body[56:64] if size == 64 else body[32:40]
            if magic not in (b"GNUlInUx", b"GnUlInUx"):
                continue
            offset, compressed = struct.unpack("<QQ", body[:16])
            return offset, compressed, frame
        return None


def merged_length(ranges):
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(ranges):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def opened_files(accesses):
    """The paths a start-up opened, from `accesses` JSON (any image, any layer)."""
    return {norm(f) for img in accesses.get("images", []) for l in img.get("layers", []) for f in l["files"]}


def startup_bytes(registry_dir, manifest, files):
    """{"startup_bytes", "toc_bytes", "file_bytes", "files", "missing"} for an image manifest:
    the compressed bytes of the opened files' chunks (topmost layer wins) plus every TOC."""
    tocs = [Toc.read(blob_path(registry_dir, l["digest"])) for l in manifest["layers"]]
    per_layer = [[] for _ in tocs]
    found, missing = 0, 0
    for path in files:
        for i in range(len(tocs) - 1, -1, -1):
            if path in tocs[i].ranges:
                per_layer[i] += tocs[i].ranges[path]
                found += 1
                break
        else:
            missing += 1
    file_bytes = sum(merged_length(r) for r in per_layer)
    toc_bytes = sum(t.toc_bytes for t in tocs)
    return {"startup_bytes": file_bytes + toc_bytes, "toc_bytes": toc_bytes, "file_bytes": file_bytes,
            "files": found, "missing": missing}


def floor(local_run_s, sbytes, rate_mbit, delay_ms):
    """The floor of one (image, format, profile): its parts and their sum, in seconds."""
    transfer = sbytes * 8 / (rate_mbit * 1e6)
    rtt = RTTS_PER_START * 2 * delay_ms / 1000
    return {"local_run_s": round(local_run_s, 3), "transfer_s": round(transfer, 3), "rtt_s": round(rtt, 3),
            "floor_s": round(local_run_s + transfer + rtt, 3)}


if __name__ == "__main__":
    reg, man, acc = sys.argv[1:4]
    print(json.dumps(startup_bytes(reg, json.load(open(man)), opened_files(json.load(open(acc))))))
