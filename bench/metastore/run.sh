#!/usr/bin/env bash
# Load from a second process on loopback against the metastore, on embedded H2 and on a
# throw-away PostgreSQL cluster (and MariaDB when installed): metric points/s through batched reports and through MLflow
# log-batch, and p50/p99 latency of single reports at 500 reports/s.
# Usage: bench/metastore/run.sh [seconds-per-phase]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_PHASE="${1:-10}"
mvn -B -q -DskipTests -pl bench/metastore,metastore -am package
BENCH=bench/metastore/target
WORK="$(mktemp -d "${TMPDIR:-/tmp}/metastore-bench.XXXXXX")"
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$WORK"; }
trap cleanup EXIT
echo "reporter bench-token" > "$WORK/tokens"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }
wait_http() { for _ in $(seq 1 120); do curl -sf "$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "metastore did not start" >&2; return 1; }
LOAD=(java -cp "$BENCH/classes:$(cat "$BENCH/classpath.txt")" io.submarine.bench.metastore.MetastoreLoad --token bench-token --seconds "$SECONDS_PER_PHASE")

echo "| database | report points/s | MLflow log-batch points/s | single report p50 ms | p99 ms (500/s) | reports |"
echo "|---|---:|---:|---:|---:|---:|"

PORT=$(free_port)
java -jar metastore/target/metastore.jar --port "$PORT" --data-dir "$WORK/h2" --token-file "$WORK/tokens" >"$WORK/h2.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT"
"${LOAD[@]}" --url "http://127.0.0.1:$PORT" --label "H2 (embedded)"
kill "${PIDS[-1]}"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS=(); [ "$(id -u)" = 0 ] && { AS=(runuser -u postgres --); chown postgres "$WORK"; }
PGPORT=$(free_port)
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg" -A trust -U submarine --no-sync -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/postgres" -D "$WORK/pg" -p "$PGPORT" -k "$WORK" -c listen_addresses=127.0.0.1 -c synchronous_commit=off >"$WORK/pg.log" 2>&1 &
PIDS+=($!)
sleep 3
PORT=$(free_port)
java -jar metastore/target/metastore.jar --port "$PORT" --jdbc-url "jdbc:postgresql://127.0.0.1:$PGPORT/postgres" --jdbc-user submarine \
  --token-file "$WORK/tokens" >"$WORK/pgms.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT"
"${LOAD[@]}" --url "http://127.0.0.1:$PORT" --label "PostgreSQL 15 (synchronous_commit=off)"
kill "${PIDS[-1]}"

# MariaDB (the MySQL dialect), when installed: a throw-away server, redo log flushed once a second
# (innodb_flush_log_at_trx_commit=2, the counterpart of synchronous_commit=off), user and password.
if command -v mariadb-install-db >/dev/null && [ -x /usr/sbin/mariadbd ]; then
  ASROOT=(); [ "$(id -u)" = 0 ] && ASROOT=(--user=root)
  mariadb-install-db --no-defaults --datadir="$WORK/maria" --auth-root-authentication-method=normal --skip-test-db "${ASROOT[@]}" >/dev/null
  MYPORT=$(free_port)
  /usr/sbin/mariadbd --no-defaults --datadir="$WORK/maria" --port="$MYPORT" --bind-address=127.0.0.1 --socket="$WORK/maria.sock" \
    --skip-name-resolve --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M "${ASROOT[@]}" >"$WORK/maria.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do [ -S "$WORK/maria.sock" ] && break; sleep 0.5; done
  echo "bench-password" > "$WORK/maria.pw"
  mariadb --no-defaults --socket="$WORK/maria.sock" --user=root -e "CREATE DATABASE metastore;
    CREATE USER 'submarine'@'127.0.0.1' IDENTIFIED BY 'bench-password'; GRANT ALL ON metastore.* TO 'submarine'@'127.0.0.1';"
  PORT=$(free_port)
  java -jar metastore/target/metastore.jar --port "$PORT" --jdbc-url "jdbc:mariadb://127.0.0.1:$MYPORT/metastore" --jdbc-user submarine \
    --jdbc-password-file "$WORK/maria.pw" --token-file "$WORK/tokens" >"$WORK/mariams.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$PORT"
  "${LOAD[@]}" --url "http://127.0.0.1:$PORT" --label "MariaDB 10.11 (innodb_flush_log_at_trx_commit=2)"
fi
