#!/usr/bin/env bash
# Writes and reads 1 GiB through BlobStore and through each backend's own SDK (a plain file copy
# for file://), against local servers, in one JVM run with the heap capped at 256 MiB.
# Usage: bench/storage/run.sh [size-in-MiB [--only file,s3,hdfs,azure] [--repeat N]]   (Azurite: npm install -g azurite@3.35.0, or set AZURITE_BLOB)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB="${1:-1024}"
mvn -B -q -DskipTests -pl bench/storage -am package
BENCH=bench/storage/target
CP="$BENCH/classes:$(cat "$BENCH/classpath.txt")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/storage-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
java -Xmx256m -cp "$CP" io.submarine.bench.storage.StorageBenchmark \
  --size-mib "$SIZE_MIB" --work "$WORK" --s3proxy-jar "$BENCH/s3proxy/s3proxy.jar" --classpath "$CP" \
  "${@:2}" | tee "$BENCH/results.md"
