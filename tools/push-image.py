#!/usr/bin/env python3
"""Pushes a test image whose layers are made by producers this project did not write: GNU gzip
for plain layers, refgen (the reference stargz-snapshotter implementation, tools/refgen) for
eStargz and stargz-flavoured zstd:chunked. Tests and benchmarks use it to give our daemon images
it did not make itself.

  tools/push-image.py REGISTRY REPO:TAG gzip|estargz|zstd-stargz LAYER.tar [LAYER.tar ...]
                      [--cmd JSON-ARRAY] [--chunk N] [--prio a,b,...] [--https]

Prints one JSON line per layer ({"layer": I, "mediaType", "digest", "size", "annotations"})
and a last line {"manifest": DIGEST, "ref": REGISTRY/REPO:TAG}. Plain HTTP unless --https;
no authentication. Exits non-zero, saying which request failed, on any error.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

TOOLS = os.path.dirname(os.path.abspath(__file__))
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
               "estargz": "application/vnd.oci.image.layer.v1.tar+gzip",
               "zstd-stargz": "application/vnd.oci.image.layer.v1.tar+zstd"}
TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest"
UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size"


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def output_size(command):
    """How many bytes `command` writes to stdout (it must succeed)."""
    with subprocess.Popen(command, stdout=subprocess.PIPE) as p:
        n = sum(len(b) for b in iter(lambda: p.stdout.read(1 << 20), b""))
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {p.returncode}")
    return n


def refgen():
    path = os.path.join(TOOLS, "bin", "refgen")
    if not os.access(path, os.X_OK):
        subprocess.run(["bash", os.path.join(TOOLS, "build-go.sh"), "refgen"], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def make_layer(fmt, tar, out, chunk, prio):
    """Writes the layer blob for `tar`; returns (annotations, diffID)."""
    if fmt == "gzip":
        with open(out, "wb") as dst:
            subprocess.run(["gzip", "-n", "-6", "-c", tar], stdout=dst, check=True)
        return {}, sha256_of(tar)
    kind = "gzip" if fmt == "estargz" else "zstd"
    command = [refgen(), "build", kind, tar, out]
    if chunk:
        command += ["-chunk", str(chunk)]
    if prio:
        command += ["-prio", prio]
    built = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    decompress = ["gzip", "-dc", out] if kind == "gzip" else ["zstd", "-dcq", out]
    return ({TOC_DIGEST: built["tocDigest"], UNCOMPRESSED_SIZE: str(output_size(decompress))},
            built["diffID"])


class Registry:
    """The OCI distribution push protocol: monolithic blob uploads, then the manifest."""

    def __init__(self, base, repo):
        self.base, self.repo = base, repo

    def _send(self, method, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            return urllib.request.urlopen(request)
        except urllib.error.HTTPError as e:
            body = e.read().decode(errors="replace")[:500]
            raise RuntimeError(f"{method} {url}: HTTP {e.code} {body}") from None

    def has_blob(self, digest):
        try:
            self._send("HEAD", f"{self.base}/v2/{self.repo}/blobs/{digest}")
            return True
        except RuntimeError:
            return False

    def put_blob(self, data, digest):
        if self.has_blob(digest):
            return
        started = self._send("POST", f"{self.base}/v2/{self.repo}/blobs/uploads/")
        location = started.headers["Location"]
        if location.startswith("/"):
            location = self.base + location
        separator = "&" if "?" in location else "?"
        self._send("PUT", f"{location}{separator}digest={digest}", data=data,
                   headers={"Content-Type": "application/octet-stream"})

    def put_manifest(self, tag, manifest):
        self._send("PUT", f"{self.base}/v2/{self.repo}/manifests/{tag}", data=manifest,
                   headers={"Content-Type": OCI_MANIFEST})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("registry")
    ap.add_argument("ref", help="REPO:TAG")
    ap.add_argument("format", choices=sorted(LAYER_TYPES))
    ap.add_argument("layers", nargs="+", help="layer tars, base first")
    ap.add_argument("--cmd", default='["/bin/sh"]', help="the image's Cmd, a JSON array")
    ap.add_argument("--chunk", type=int, default=0, help="chunk size (refgen formats)")
    ap.add_argument("--prio", default="", help="prioritized files, comma-separated")
    ap.add_argument("--https", action="store_true")
    a = ap.parse_args()
    repo, tag = a.ref.rsplit(":", 1)
    registry = Registry(("https://" if a.https else "http://") + a.registry, repo)
    descriptors, diff_ids = [], []
    with tempfile.TemporaryDirectory(prefix="push-image-") as work:
        for i, tar in enumerate(a.layers):
            blob = os.path.join(work, f"layer{i}")
            annotations, diff_id = make_layer(a.format, tar, blob, a.chunk, a.prio)
            digest = sha256_of(blob)
            with open(blob, "rb") as f:
                registry.put_blob(f.read(), digest)
            d = {"mediaType": LAYER_TYPES[a.format], "digest": digest,
                 "size": os.path.getsize(blob)}
            if annotations:
                d["annotations"] = annotations
            descriptors.append(d)
            diff_ids.append(diff_id)
            print(json.dumps({"layer": i, **d}), flush=True)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": json.loads(a.cmd),
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    registry.put_blob(config, config_digest)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
        "layers": descriptors}).encode()
    registry.put_manifest(tag, manifest)
    print(json.dumps({"manifest": "sha256:" + hashlib.sha256(manifest).hexdigest(),
                      "ref": f"{a.registry}/{a.ref}"}))


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"push-image.py: {e}")
