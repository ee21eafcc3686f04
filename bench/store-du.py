#!/usr/bin/env python3
"""What the shared store keeps for the benchmark images: `store du` after reading every file.

  store-du.py [--images python,jdk] [--workdir DIR]

Pushes each image (bench/mkimage.py) as eStargz, zstd:chunked (stargz flavour) and
zstd:chunked (containers/storage flavour), all made by our converter with the same chunk size,
plus the optimized eStargz twin of the first image (same files, other order), to a local
registry; mounts them all through one daemon, reads every regular file of every layer, then
prints `store du` (stored bytes, what is shared, the dedup ratio) and the bytes fetched.
Chunks are stored by the digest of their uncompressed bytes, so the same file content in
another format or another image is kept once.
"""
import argparse, base64, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import coldstart  # noqa: E402  (registry, daemon, image helpers)

def read_all(mnt, ref, layers):
    total = 0
    name = base64.b64encode(ref.encode()).decode()
    for digest in layers:
        diff = os.path.join(mnt, name, digest, "diff")
        for root, _, files in os.walk(diff):
            for f in files:
                p = os.path.join(root, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                with open(p, "rb") as fh:
                    while True:
                        b = fh.read(1 << 20)
                        if not b:
                            break
                        total += len(b)
    return total

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default="python,jdk")
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="srs-du-")
    reg = coldstart.Registry(work)
    host = f"127.0.0.1:{reg.port}"
    regconf = os.path.join(work, "registries-du.conf")
    with open(regconf, "w") as f:
        f.write(f'[[registry]]\nlocation = "{host}"\ninsecure = true\n')
    refs = []
    try:
        for i, image in enumerate(a.images.split(",")):
            fmts = ["estargz", "zstd-chunked-stargz", "zstd-chunked"] + (["estargz+opt"] if i == 0 else [])
            tags = coldstart.push_images(work, reg, image, fmts)
            refs += [f"{host}/{tags[f]}" for f in fmts]
        d = coldstart.Daemon(work, "ours", regconf)
        try:
            logical = 0
            for ref in refs:
                # a lookup of the image directory resolves it; its layers are listed by the manifest
                out = coldstart.run([coldstart.SRS, "image", "inspect", "--tls-verify=false", ref]).stdout
                layers = [l["digest"] for l in json.loads(out)["layers"]]
                n = read_all(d.mnt, ref, layers)
                logical += n
                print(f"read {n / 1e6:8.1f} MB of files from {ref}", flush=True)
            du = coldstart.run([coldstart.SRS, "--config", d.cfg, "store", "du"]).stdout
            print(du)
            print(f"file bytes read through the mount: {logical / 1e6:.1f} MB")
        finally:
            d.close()
    finally:
        reg.close()

if __name__ == "__main__":
    main()
