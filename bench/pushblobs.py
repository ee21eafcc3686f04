#!/usr/bin/env python3
"""Pushes an image made of layer blobs that `stargz-registry-storage convert` wrote.

  pushblobs.py REGISTRY REPO:TAG [--cmd JSON] BLOB DESCRIPTOR.json [BLOB DESCRIPTOR.json ...]

Each DESCRIPTOR.json is what convert printed for its BLOB (mediaType, digest, size,
annotations, diffID). The config's rootfs.diff_ids come from the descriptors. Plain HTTP.
Prints the manifest digest.
"""
import argparse, hashlib, json, urllib.error, urllib.request

def req(method, url, data=None, headers=None):
    return urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers or {}))

def upload(base, repo, data, digest):
    try:
        req("HEAD", f"{base}/v2/{repo}/blobs/{digest}")
        return
    except urllib.error.HTTPError:
        pass
    loc = req("POST", f"{base}/v2/{repo}/blobs/uploads/").headers["Location"]
    if loc.startswith("/"):
        loc = base + loc
    sep = "&" if "?" in loc else "?"
    req("PUT", f"{loc}{sep}digest={digest}", data=data, headers={"Content-Type": "application/octet-stream"})

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("registry"); ap.add_argument("ref"); ap.add_argument("pairs", nargs="+")
    ap.add_argument("--cmd", default='["/bin/sh"]')
    a = ap.parse_args()
    if len(a.pairs) % 2:
        raise SystemExit("give BLOB DESCRIPTOR.json pairs")
    base = "http://" + a.registry
    repo, tag = a.ref.rsplit(":", 1)
    layers, diffs = [], []
    for blob, desc in zip(a.pairs[0::2], a.pairs[1::2]):
        d = json.load(open(desc))
        data = open(blob, "rb").read()
        if "sha256:" + hashlib.sha256(data).hexdigest() != d["digest"]:
            raise SystemExit(f"{blob} does not match {desc}")
        upload(base, repo, data, d["digest"])
        layers.append({k: d[k] for k in ("mediaType", "digest", "size", "annotations") if k in d})
        diffs.append(d["diffID"])
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Cmd": json.loads(a.cmd),
                                 "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                      "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
    cd = "sha256:" + hashlib.sha256(cfg).hexdigest()
    upload(base, repo, cfg, cd)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(cfg)},
                      "layers": layers}).encode()
    req("PUT", f"{base}/v2/{repo}/manifests/{tag}", data=man,
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    print("sha256:" + hashlib.sha256(man).hexdigest())

if __name__ == "__main__":
    main()
