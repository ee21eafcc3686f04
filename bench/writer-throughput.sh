#!/usr/bin/env bash
# Writer throughput: converts one large layer tar with each writer of this project and, in the
# same run, compresses it with the baselines (gzip -c, zstd -c) and builds it with the reference
# eStargz builder (refgen, stargz-snapshotter v0.12). Prints a markdown table: wall time, CPU
# time, throughput and output size, each also as a ratio to the baseline of the same compression.
#
#   bench/writer-throughput.sh [LAYER.tar]      (default: a tar of /usr/lib/go-1.19, ~340 MB)
#   RUNS=3 THREADS=... bench/writer-throughput.sh
#
# Needs: java 17, gzip, zstd, python3 (tools/tar-tree.py); builds the CLI jar and tools/bin/refgen
# if missing.
# "speed vs baseline" > 1 means faster than gzip -c (gzip rows) or zstd -c (zstd rows).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
refgen=$here/tools/bin/refgen
[ -x "$refgen" ] || bash "$here/tools/build-go.sh" refgen >&2
runs=${RUNS:-3}
jar="$here/daemon/target/stargz-registry-storage.jar"
if [ ! -f "$jar" ]; then
  (cd "$here" && mvn -q -DskipTests package)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/srs-bench-writers.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar=${1:-}
if [ -z "$tar" ]; then
  src=/usr/lib/go-1.19
  [ -d "$src" ] || src=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  tar="$work/layer.tar"
  python3 "$here/tools/tar-tree.py" "$tar" "$src"
fi
size=$(stat -c %s "$tar")
if [ "$size" -lt $((200 << 20)) ]; then
  echo "warning: $tar is only $((size >> 20)) MiB; use a layer of at least 200 MiB" >&2
fi
java=(java ${SRS_JAVA_OPTS:-} -jar "$jar")
threads=${THREADS:+--threads $THREADS}

# name | command (output goes to $out)
cases=(
  "gzip -c (baseline, level 6, 1 thread)|gzip -c \"$tar\" > \"\$out\""
  "zstd -c (baseline, level 3, 1 thread)|zstd -q -c \"$tar\" > \"\$out\""
  "zstd -T0 -c (level 3, all cores)|zstd -q -T0 -c \"$tar\" > \"\$out\""
  "refgen build gzip (reference eStargz, level 9)|$refgen build gzip \"$tar\" \"\$out\" > /dev/null"
  "refgen build zstd (reference zstd:chunked stargz)|$refgen build zstd \"$tar\" \"\$out\" > /dev/null"
  "convert estargz (level 6)|${java[*]} convert --format estargz $threads \"$tar\" \"\$out\" > /dev/null"
  "convert estargz (level 6, 1 thread)|${java[*]} convert --format estargz --threads 1 \"$tar\" \"\$out\" > /dev/null"
  "convert estargz (level 9, as the reference)|${java[*]} convert --format estargz --compression-level 9 $threads \"$tar\" \"\$out\" > /dev/null"
  "convert zstd-chunked-stargz (level 3)|${java[*]} convert --format zstd-chunked-stargz $threads \"$tar\" \"\$out\" > /dev/null"
  "convert zstd-chunked (level 3)|${java[*]} convert --format zstd-chunked $threads \"$tar\" \"\$out\" > /dev/null"
  "convert zstd-chunked (level 3, 1 thread)|${java[*]} convert --format zstd-chunked --threads 1 \"$tar\" \"\$out\" > /dev/null"
)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { printf \"%s\", $1 }" </dev/null; }

echo "Input: $tar, $((size >> 20)) MiB; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); median of $runs runs" >&2
printf '| writer | wall s | CPU s | MB/s | speed vs baseline | output MB | size vs baseline |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
declare -A base_wall base_size
TIMEFORMAT='%R %U %S'
for c in "${cases[@]}"; do
  name=${c%%|*}
  cmd=${c#*|}
  out="$work/out"
  walls=() cpus=()
  for ((i = 0; i < runs; i++)); do
    rm -f "$out"
    t=$( { time bash -c "out=\"$out\"; $cmd" >/dev/null 2>&1 ; } 2>&1 | tail -1)
    read -r wall user sys <<<"$t"
    walls+=("$wall")
    cpus+=("$(calc "$user + $sys")")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  osize=$(stat -c %s "$out")
  kind=gzip
  case "$name" in *zstd*) kind=zstd ;; esac
  if [[ "$name" == *baseline* ]]; then
    base_wall[$kind]=$wall
    base_size[$kind]=$osize
  fi
  printf '| %s | %.2f | %.2f | %.0f | %.2fx %s | %.1f | %.3f |\n' "$name" "$wall" "$cpu" \
    "$(calc "$size / 1000000 / $wall")" "$(calc "${base_wall[$kind]} / $wall")" "$kind" \
    "$(calc "$osize / 1000000")" "$(calc "$osize / ${base_size[$kind]}")"
done
