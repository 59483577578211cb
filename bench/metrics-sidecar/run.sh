#!/usr/bin/env bash
# 1. The metrics sidecar's event-file reader against a plain CRC-32C pass over the same bytes (the
#    floor), on a mixed event file of SIZE_MIB (scalars among histograms and images) and on one of
#    scalars only, both written by tensorboardX from the test virtualenv (.ci/run makes it).
# 2. Shipping: a simulated hour of training written by tensorboardX straight to s3proxy (its own
#    S3 writer) against written locally and shipped by metrics-sidecar.jar; then 100 runs of 10
#    event files each, for the sidecar's memory and idle CPU.
# Usage: bench/metrics-sidecar/run.sh [size-in-MiB] [scalar records]   (BENCH_ONLY=read or ship runs one)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MIB="${1:-1024}"
SCALARS="${2:-4000000}"
VENV="${SUBMARINE_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/submarine-storage/venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "no virtualenv with tensorboardX at $VENV: run .ci/run once, or set SUBMARINE_TEST_VENV" >&2
  exit 2
fi
mvn -B -q -DskipTests -pl bench/metrics-sidecar -am install
BENCH=bench/metrics-sidecar/target
WORK="${BENCH_WORK:-$BENCH/work}"
mkdir -p "$WORK"
# Writing is slow in Python (minutes for a GiB); the files are kept between runs.
if [ "${BENCH_ONLY:-read}" = read ]; then
  [ -f "$WORK/mixed-$SIZE_MIB/done" ] || "$VENV/bin/python" bench/metrics-sidecar/write_events.py mixed "$WORK/mixed-$SIZE_MIB" "$SIZE_MIB"
  [ -f "$WORK/scalars-$SCALARS/done" ] || "$VENV/bin/python" bench/metrics-sidecar/write_events.py scalars "$WORK/scalars-$SCALARS" "$SCALARS"
fi
CP="$BENCH/classes:$(cat "$BENCH/classpath.txt")"
: > "$BENCH/results.md"
if [ "${BENCH_ONLY:-read}" = read ]; then
  java -cp "$CP" io.submarine.bench.metrics.EventReadBenchmark "$WORK/mixed-$SIZE_MIB" "$WORK/scalars-$SCALARS" | tee -a "$BENCH/results.md"
fi
if [ "${BENCH_ONLY:-ship}" = ship ]; then
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$CP" io.submarine.bench.metrics.ShippingBenchmark --work "$WORK/ship" \
    --python "$VENV/bin/python" --simulate bench/metrics-sidecar/simulate.py --sidecar-jar metrics-sidecar/target/metrics-sidecar.jar \
    --s3proxy-jar "$BENCH/s3proxy/s3proxy.jar" | tee -a "$BENCH/results.md"
fi
