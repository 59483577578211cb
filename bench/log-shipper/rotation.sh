#!/usr/bin/env bash
# Log rotation with restarts: the log shipper beside Debian's rsyslog (imfile) in one run, both
# SIGKILLed and restarted while Debian's logrotate rotates every second; lost and duplicated lines.
# Usage: bench/log-shipper/rotation.sh [seconds [kill-every-seconds [down-seconds]]]   (120 30 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in /usr/sbin/logrotate /usr/sbin/rsyslogd; do
  [ -x "$tool" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq logrotate rsyslog; }
done
mvn -B -q -DskipTests -pl bench/log-shipper -am install
BENCH=bench/log-shipper/target
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$BENCH/classes:$(cat "$BENCH/classpath.txt")" io.submarine.bench.logshipper.RotationBenchmark \
  --work "$(pwd)/$BENCH/rotation" --shipper-jar "$(pwd)/log-shipper/target/log-shipper.jar" \
  --seconds "${1:-120}" --kill-every "${2:-30}" --down "${3:-2}" | tee "$BENCH/rotation-results.md"
