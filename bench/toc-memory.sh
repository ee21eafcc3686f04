#!/usr/bin/env bash
# Heap per TOC entry (issue 19): for each size and chunk count, a synthetic eStargz layer built
# with our writer (kept in $WORK for the next run) is loaded as the daemon loads a layer (footer,
# TOC, index, tree) in a fresh JVM; prints heap retained per entry after a full GC, the peak heap
# during the load, the load time and RSS. docs/benchmarks.md "Memory per TOC entry".
#
#   bench/toc-memory.sh                     # 10k, 100k, 1M entries; 1 chunk per file and 16
#   SIZES="10000 100000" CHUNKS="1" bench/toc-memory.sh
#   HISTOGRAM=1 bench/toc-memory.sh         # also the top of a class histogram (jcmd) per load
#   JAVA_OPTS="-Xmx2g" bench/toc-memory.sh  # default: -Xmx3g (the 1M-entry layer needs room)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/srs-bench-toc-memory}
sizes=${SIZES:-10000 100000 1000000}
chunks=${CHUNKS:-1 16}
mkdir -p "$work"
echo ">> building the harness" >&2
mvn -B -ntp -q -o -pl fs -am -P '!fuzz' -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
cp="fs/target/test-classes:fs/target/classes:$(cat fs/target/bench.classpath)"
for c in $chunks; do
  for n in $sizes; do
    echo ">> $n entries, $c chunk(s) per file" >&2
    java ${JAVA_OPTS:--Xmx3g} -XX:+UseG1GC -cp "$cp" org.stargzstore.fs.bench.TocMemory \
      "$work" "$n" "$c" ${HISTOGRAM:+histogram}
  done
done
