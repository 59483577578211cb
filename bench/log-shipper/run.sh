#!/usr/bin/env bash
# The log shipper against `zstd -1 -c` and `gzip -1 -c` of the same 2 GiB log file to the same
# disk, whole processes, in one run; then shipping a steady 1 MB/s to measure idle cost.
# Usage: bench/log-shipper/run.sh [size-in-MiB]
# BENCH_RUNS=hdfs (or a comma list of gzip, file, hdfs, steady) repeats some runs only; zstd always runs.
# SHIPPER_JAVA_OPTS replaces the shipper's JVM flags, to try others.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB="${1:-2048}"
mvn -B -q -DskipTests -pl bench/log-shipper -am install
BENCH=bench/log-shipper/target
WORK="${BENCH_WORK:-$BENCH/work}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
CP="$BENCH/classes:$(cat "$BENCH/classpath.txt")"
# The bench's own JVM only drives and polls; C1 and the serial collector keep its JIT and GC
# threads off the two cores the shipper is measured on.
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CP" io.submarine.bench.logshipper.LogShipperBenchmark \
  --work "$WORK" --size-mib "$SIZE_MIB" --shipper-jar "$(pwd)/log-shipper/target/log-shipper.jar" --classpath "$CP" \
  | tee "$BENCH/results.md"
