#!/usr/bin/env python3
"""Builds benchmark image layers from this machine's own files (no registry, no network).

  mkimage.py python OUTDIR    base.tar (busybox, shared libraries) + app.tar (Python 3.11 + stdlib)
  mkimage.py jdk OUTDIR       base.tar + app.tar (the JDK 17 of /usr/lib/jvm)
  mkimage.py busybox OUTDIR   base.tar only (a busybox shell)
  mkimage.py many OUTDIR [N]  app.tar with N (100000) small files in a tree, for mount/find timing

Layers are tars with sorted entries, owned by root, with the files' real modes and mtimes.
Prints the layer paths and sizes as JSON.
"""
import json, os, subprocess, sys, tarfile

def ldd(paths):
    libs = set()
    for p in paths:
        try:
            out = subprocess.run(["ldd", p], capture_output=True, text=True).stdout
        except OSError:
            continue
        for line in out.splitlines():
            parts = line.split("=>")
            cand = parts[1].split("(")[0].strip() if len(parts) > 1 else parts[0].split("(")[0].strip()
            if cand.startswith("/") and os.path.exists(cand):
                libs.add(os.path.normpath(cand))
    return libs

def add_path(tf, path, seen, arc=None):
    """Adds a file (following its symlink chain, adding each link) and its parent dirs."""
    arc = (arc or path).lstrip("/")
    parts = arc.split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d)
            ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 1700000000
            tf.addfile(ti)
    if arc in seen:
        return
    seen.add(arc)
    st = os.lstat(path)
    ti = tf.gettarinfo(path, arcname=arc)
    ti.uid = ti.gid = 0; ti.uname = ti.gname = "root"
    if ti.isreg():
        with open(path, "rb") as f:
            tf.addfile(ti, f)
    else:
        tf.addfile(ti)
    if os.path.islink(path):
        target = os.readlink(path)
        full = target if target.startswith("/") else os.path.join(os.path.dirname(path), target)
        full = os.path.normpath(full)
        if os.path.exists(full) and not os.path.isdir(full):
            add_path(tf, full, seen)

def add_tree(tf, root, seen, arc_root=None):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        arc_dir = os.path.normpath(os.path.join(arc_root or root, rel)).lstrip("/")
        if arc_dir not in seen:
            add_path(tf, dirpath, seen, "/" + arc_dir)
        for n in sorted(dirnames + filenames):
            p = os.path.join(dirpath, n)
            if os.path.isdir(p) and not os.path.islink(p):
                continue
            add_path(tf, p, seen, "/" + os.path.join(arc_dir, n))

def base_layer(out, extra_binaries, exclude_under=None):
    seen = set()
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        add_path(tf, "/bin/busybox", seen, "/bin/busybox")
        for a in ["sh", "ls", "cat", "echo", "env", "sha256sum", "find", "wc", "head", "true"]:
            ti = tarfile.TarInfo("bin/" + a); ti.type = tarfile.SYMTYPE; ti.linkname = "busybox"
            ti.mode = 0o777; ti.mtime = 1700000000
            tf.addfile(ti); seen.add("bin/" + a)
        for lib in sorted(ldd(extra_binaries) | {"/lib64/ld-linux-x86-64.so.2"}):
            if exclude_under and lib.startswith(exclude_under):
                continue
            add_path(tf, lib, seen)
        for name, text in [("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
                           ("etc/group", "root:x:0:\nnogroup:x:65534:\n"), ("etc/hostname", "bench\n")]:
            data = text.encode()
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644; ti.mtime = 1700000000
            import io; tf.addfile(ti, io.BytesIO(data)); seen.add(name)
        for d in ["tmp", "root", "proc", "sys", "dev"]:
            ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o1777 if d == "tmp" else 0o755
            ti.mtime = 1700000000
            if d not in seen:
                tf.addfile(ti); seen.add(d)

def python_image(outdir):
    dyn = [os.path.join("/usr/lib/python3.11/lib-dynload", f) for f in os.listdir("/usr/lib/python3.11/lib-dynload")]
    base_layer(os.path.join(outdir, "base.tar"), ["/usr/bin/python3.11"] + dyn)
    seen = set()
    with tarfile.open(os.path.join(outdir, "app.tar"), "w", format=tarfile.PAX_FORMAT) as tf:
        add_path(tf, "/usr/bin/python3.11", seen)
        ti = tarfile.TarInfo("usr/bin/python3"); ti.type = tarfile.SYMTYPE; ti.linkname = "python3.11"
        ti.mode = 0o777; ti.mtime = 1700000000; tf.addfile(ti)
        add_tree(tf, "/usr/lib/python3.11", seen)

def jdk_image(outdir):
    home = os.path.realpath("/usr/lib/jvm/java-17-openjdk-amd64")
    libs = [os.path.join(dp, f) for dp, _, fs in os.walk(home) for f in fs if f.endswith(".so")]
    base_layer(os.path.join(outdir, "base.tar"), [os.path.join(home, "bin/java")] + libs,
               exclude_under=home)
    seen = set()
    with tarfile.open(os.path.join(outdir, "app.tar"), "w", format=tarfile.PAX_FORMAT) as tf:
        add_tree(tf, home, seen)
        if os.path.isdir("/etc/java-17-openjdk"):
            add_tree(tf, "/etc/java-17-openjdk", seen)

def many_files(outdir, n):
    import io
    with tarfile.open(os.path.join(outdir, "app.tar"), "w", format=tarfile.PAX_FORMAT) as tf:
        for d in range(n // 1000):
            ti = tarfile.TarInfo(f"many/d{d:03d}"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            ti.mtime = 1700000000; tf.addfile(ti)
            for i in range(1000):
                data = f"{d}/{i}\n".encode()
                ti = tarfile.TarInfo(f"many/d{d:03d}/f{i:04d}"); ti.size = len(data); ti.mode = 0o644
                ti.mtime = 1700000000; tf.addfile(ti, io.BytesIO(data))

def main():
    kind, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if kind == "python":
        python_image(outdir)
    elif kind == "jdk":
        jdk_image(outdir)
    elif kind == "busybox":
        base_layer(os.path.join(outdir, "base.tar"), [])
    elif kind == "many":
        many_files(outdir, int(sys.argv[3]) if len(sys.argv) > 3 else 100000)
    else:
        sys.exit("unknown image kind " + kind)
    print(json.dumps({f: os.path.getsize(os.path.join(outdir, f)) for f in sorted(os.listdir(outdir)) if f.endswith(".tar")}))

if __name__ == "__main__":
    main()
