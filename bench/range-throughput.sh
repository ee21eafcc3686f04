#!/usr/bin/env bash
# Range-read throughput of the registry client from a local docker-registry, with its baseline
# in the same run: a 200 MiB blob read as 1 MiB ranges by 8 concurrent readers, versus one
# plain whole-blob GET. Prints per-round numbers, medians and the ratio; the result file goes to
# bench/results/. Arguments (optional): SIZE_MIB READERS RANGE_KIB ROUNDS CONCURRENCY[,...] READ_AHEAD_MIB[,...].
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
mvn -q -pl registry-client -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cp="registry-client/target/test-classes:registry-client/target/classes:$(cat registry-client/target/bench.classpath)"
mkdir -p bench/results
out="bench/results/range-throughput-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# range-throughput $(date -u +%FT%TZ) on $(nproc) CPUs, $(java -version 2>&1 | head -1)"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# docker-registry: $(docker-registry --version 2>/dev/null || echo unknown)"
  java -Xmx1g -Dsrs.projectRoot="$here" \
    -cp "$cp" org.stargzstore.registry.bench.RangeThroughputBench "$@"
} | tee "$out"
echo "results: $out"
