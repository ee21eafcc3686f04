#!/usr/bin/env python3
"""Writes a directory tree as a layer-like tar, with Python's tarfile (a tar producer this
project did not write), so tests and benchmarks can feed real trees to the readers and writers.

  tools/tar-tree.py OUT.tar DIR

PAX format; the root is the entry ".", the others are named relative to DIR, without a "./"
prefix; every directory's entries are written sorted by name, right after the directory.
Symlinks are stored as symlinks; hardlinked files as hardlinks. The same tree gives the same
tar.
"""
import os
import sys
import tarfile


def entries(root):
    """Paths under root, each directory followed by its sorted contents, depth first."""
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        yield path
        if os.path.isdir(path) and not os.path.islink(path):
            yield from entries(path)


def write(out, root):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(root, arcname=".", recursive=False)
        for path in entries(root):
            tar.add(path, arcname=os.path.relpath(path, root), recursive=False)


if __name__ == "__main__":
    if len(sys.argv) != 3 or not os.path.isdir(sys.argv[2]):
        sys.exit("usage: tools/tar-tree.py OUT.tar DIR")
    write(sys.argv[1], sys.argv[2])
