#!/usr/bin/env python3
"""Where a JVM's resident memory is: /proc/PID/smaps (what is resident) joined with the JVM's
native memory tracking map (what each address range is for).

NMT's summary says what the JVM has *committed*, which is not what is resident: G1's mark stack
(32 MB committed up front) is touched only as deep as marking went, a thread stack only as deep
as the thread ran; and NMT does not see glibc's free-but-kept malloc memory nor mapped files.
This prints resident MiB per NMT category (Java Heap, GC, Code, Metaspace, Class, Shared class
space, Thread Stack, ...), then what lies outside NMT's ranges: the brk heap and other anonymous
mappings (malloc arenas: NMT's malloc total, which includes the JVM's and its native libraries'
calls through it, against what they keep resident), and mapped files (libjvm, other libraries,
the jars).

Needs the JVM started with -XX:NativeMemoryTracking=detail (the map is not in the summary
mode) and jcmd. Usage: bench/nmt_rss.py PID  (bench/fsbench.py calls it for a variant that
turns detail on, at the end of the settle window).
"""
import os, re, subprocess, sys
from collections import defaultdict

RESERVED = re.compile(r"^\[0x([0-9a-f]+) - 0x([0-9a-f]+)\] reserved (?:and committed )?\d+KB for (.+?) from")
MALLOC = re.compile(r"^\s+malloc: (\d+)(KB|MB) ")


def nmt_map(pid):
    """[(start, end, category)] of NMT's virtual memory map, and its malloc total in KiB."""
    out = subprocess.run(["jcmd", str(pid), "VM.native_memory", "detail"], capture_output=True, text=True,
                         check=True).stdout
    if "Virtual memory map" not in out:
        raise SystemExit(f"pid {pid}: no NMT virtual memory map (run with -XX:NativeMemoryTracking=detail)")
    regions, malloc_kib = [], None
    for line in out.splitlines():
        m = RESERVED.match(line)
        if m:
            regions.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
        elif malloc_kib is None:
            mm = MALLOC.match(line)
            if mm:
                malloc_kib = int(mm.group(1)) * (1024 if mm.group(2) == "MB" else 1)
    return sorted(regions), malloc_kib


def smaps(pid):
    """[(start, end, path, rss_kib)] per mapping."""
    maps, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split(None, 1)[0]
            if "-" in first and not first.endswith(":"):
                parts = line.split(None, 5)
                s, e = (int(x, 16) for x in parts[0].split("-"))
                cur = [s, e, parts[5].strip() if len(parts) > 5 else "", 0]
                maps.append(cur)
            elif first == "Rss:":
                cur[3] = int(line.split()[1])
    return maps


def file_group(path):
    base = os.path.basename(path)
    if base == "libjvm.so":
        return "file: libjvm.so"
    if base.endswith(".jsa"):
        return "file: CDS archive (classes.jsa)"
    if base.endswith(".jar") or base == "modules":
        return "file: jars and the JDK's modules image"
    if ".so" in base:
        return "file: other native libraries (libc, libfuse, zstd, jnr, the JDK's)"
    return "file: other"


def breakdown(pid):
    regions, malloc_kib = nmt_map(pid)
    kib = defaultdict(int)
    for s, e, path, rss in smaps(pid):
        if not rss:
            continue
        left = rss
        for rs, re_, cat in regions:
            if re_ <= s or rs >= e:
                continue
            # a mapping lies inside one reserved range (commits split mappings); share it otherwise
            part = rss * (min(e, re_) - max(s, rs)) // (e - s)
            kib["NMT: " + cat] += part
            left -= part
        if left <= 0:
            continue
        if path.startswith("/"):
            kib[file_group(path)] += left
        elif path == "[heap]":
            kib["malloc: brk heap (main arena)"] += left
        elif path == "":
            kib["malloc: other anonymous mappings (arenas, mmap'd blocks, native allocators)"] += left
        else:
            kib["other: " + path] += left
    return kib, malloc_kib


def main():
    pid = int(sys.argv[1])
    kib, malloc_kib = breakdown(pid)
    total = sum(kib.values())
    with open(f"/proc/{pid}/status") as f:
        vmrss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    print(f"resident by what it is for, pid {pid} (VmRSS {vmrss / 1024:.1f} MiB; smaps total {total / 1024:.1f} MiB)")
    for k, v in sorted(kib.items(), key=lambda kv: -kv[1]):
        if v >= 512:
            print(f"  {v / 1024:7.1f} MiB  {k}")
    rest = sum(v for v in kib.values() if v < 512)
    print(f"  {rest / 1024:7.1f} MiB  (the rest, under 0.5 MiB each)")
    if malloc_kib is not None:
        anon = sum(v for k, v in kib.items() if k.startswith("malloc:"))
        print(f"NMT's malloc total {malloc_kib / 1024:.1f} MiB (live blocks the JVM made); resident outside NMT's"
              f" ranges and not a file: {anon / 1024:.1f} MiB (the difference is kept free memory and native"
              f" libraries' own malloc)")


if __name__ == "__main__":
    main()
