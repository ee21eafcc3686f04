#!/usr/bin/env bash
# Format reader throughput: reads a >= 200 MB layer made from real files through our
# LayerReader (every chunk fetched, decoded and sha256-verified) and compares the time with
# `gzip -d` (eStargz) and `zstd -d` (zstd:chunked) on the same blob, in the same run.
#
#   bench/reader-throughput.sh [SOURCE_DIR]  (default /usr/lib/google-cloud-sdk/lib/googlecloudsdk)
#   RUNS=N: rounds (default 7); each round times the baseline and our reader back to back.
#
# Needs: python3, tools/bin/refgen (built if missing), gzip, zstd, JDK 17, Maven (offline is fine). Work files go to
# bench/results/tmp/ (git-ignored); the table is printed and written to
# bench/results/reader-throughput.md.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-/usr/lib/google-cloud-sdk/lib/googlecloudsdk}
tmp=$here/bench/results/tmp
runs=${RUNS:-7}
mkdir -p "$tmp"
cd "$here"

refgen=$here/tools/bin/refgen
[ -x "$refgen" ] || bash tools/build-go.sh refgen >&2
tar=$tmp/tree.tar
if [ ! -f "$tar" ] || [ "$(cat "$tmp/tree.src" 2>/dev/null)" != "$src" ]; then
  echo ">> tools/tar-tree.py $src" >&2
  python3 tools/tar-tree.py "$tar" "$src"
  echo "$src" > "$tmp/tree.src"
fi
tar_mb=$(( $(stat -c %s "$tar") / 1000000 ))
if [ "$tar_mb" -lt 200 ]; then
  echo "the layer tar is only ${tar_mb} MB; pick a bigger SOURCE_DIR" >&2
  exit 1
fi

echo ">> building the harness" >&2
mvn -q -o -pl zstdchunked -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
cp="zstdchunked/target/test-classes:zstdchunked/target/classes:$(cat zstdchunked/target/bench.classpath)"

out=bench/results/reader-throughput.md
{
  echo "| blob | chunk | entries | blob MB | file MB | chunks | baseline | baseline s | ours 1 thread s | ours 2 threads s | ratio 1 thread | ratio 2 threads |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
} > "$out.tmp"
entries=$(python3 -c 'import tarfile,sys;print(sum(1 for _ in tarfile.open(sys.argv[1])))' "$tar")
for kind in gzip zstd; do
  for chunk in 65536 4194304; do
    blob=$tmp/tree.$kind.$chunk.blob
    meta=$tmp/tree.$kind.$chunk.json
    if [ ! -f "$blob" ] || [ ! -f "$meta" ] || [ "$tar" -nt "$blob" ]; then
      echo ">> refgen build $kind -chunk $chunk" >&2
      "$refgen" build "$kind" "$tar" "$blob" -chunk "$chunk" > "$meta"
    fi
    toc=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["tocDigest"])' "$meta")
    if [ "$kind" = gzip ]; then base=(gzip -d -c "$blob"); else base=(zstd -q -d -c "$blob"); fi
    echo ">> $kind chunk $chunk: $runs rounds of ${base[0]} -d / ours 1 thread / ours 2 threads" >&2
    read -r tb t1 t2 mb m1 m2 bytes chunks < <(java -cp "$cp" \
      org.stargzstore.zstdchunked.bench.ReaderThroughput "$blob" "$toc" "$runs" "${base[@]}")
    echo "   best: $tb / $t1 / $t2 s; median: $mb / $m1 / $m2 s" >&2
    python3 - "$blob" "$chunk" "$entries" "$bytes" "$chunks" "${base[0]} -d" "$tb" "$t1" "$t2" >> "$out.tmp" <<'PY'
import os, sys
blob, chunk, entries, nbytes, chunks, base, tb, t1, t2 = sys.argv[1:]
tb, t1, t2 = float(tb), float(t1), float(t2)
kind = "eStargz" if ".gzip." in blob else "zstd:chunked"
print(f"| {kind} | {int(chunk)//1024} KiB | {entries} | {os.path.getsize(blob)/1e6:.0f} | {int(nbytes)/1e6:.0f} "
      f"| {chunks} | `{base}` | {tb:.2f} | {t1:.2f} | {t2:.2f} | {tb/t1:.2f}x | {tb/t2:.2f}x |")
PY
  done
done
mv "$out.tmp" "$out"
{
  echo
  echo "Source: \`tools/tar-tree.py\` of $src ($(stat -c %s "$tar" | awk '{printf "%.0f", $1/1e6}') MB tar), blobs by refgen (stargz-snapshotter v0.12)."
  echo "Times: best of $runs rounds, each round timing the baseline and our reader back to back; ours = open (footer, TOC, index) + LayerReader.readAll with sha256 verification of every chunk, in a warmed-up JVM; baseline = the whole command, output discarded."
  echo "Ratio = baseline time / our time (above 1: we are faster). Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1), $(gzip --version | head -1), $(zstd --version)."
} >> "$out"
cat "$out"
