#!/usr/bin/env bash
# MLflow's own client (the test virtualenv's) timing each call of one script against: MLflow's
# server (PyPI) on SQLite and on PostgreSQL, the metastore on embedded H2 and on PostgreSQL, and
# the metrics sidecar's in-pod endpoint (journal on local disk, forwarding to the metastore on H2).
# Single log_metric calls, then log_batch of 1,000 points: calls/s and p50/p99 per call; and the
# single call sent with plain requests, to tell the server's time from the client's; and the
# floor under the endpoint's answer, fdatasync of an append (fsync.py).
# Usage: bench/tracking/run.sh [single-calls] [batch-calls]
set -euo pipefail
cd "$(dirname "$0")/../.."
SINGLE="${1:-500}"
BATCHES="${2:-20}"
VENV="${SUBMARINE_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/submarine-storage/venv}"
if [ ! -x "$VENV/bin/mlflow" ]; then
  echo "no virtualenv with mlflow at $VENV: run .ci/run once, or set SUBMARINE_TEST_VENV" >&2
  exit 2
fi
mvn -B -q -DskipTests -pl metastore,metrics-sidecar -am package
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tracking-bench.XXXXXX")"
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$WORK"; }
trap cleanup EXIT
echo "reporter bench-token" > "$WORK/tokens"
echo "bench-token" > "$WORK/token"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 240); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done; echo "$1 did not answer" >&2; return 1; }
export GIT_PYTHON_REFRESH=quiet MLFLOW_DISABLE_TELEMETRY=true
measure() { # label uri [token]
  local out
  # The last line: MLflow's client prints links to the run before it.
  out=$(MLFLOW_TRACKING_URI="$2" MLFLOW_TRACKING_TOKEN="${3:-}" "$VENV/bin/python" bench/tracking/client.py "$SINGLE" "$BATCHES" 2>>"$WORK/client.log" | tail -1)
  python3 - "$1" "$out" <<'PY'
import json, sys
label, r = sys.argv[1], json.loads(sys.argv[2])
s, b, w = r["single"], r["batch"], r["raw"]
print(f"| {label} | {s['calls_per_s']} | {s['p50_ms']} | {s['p99_ms']} | {b['calls_per_s']} | {b['p50_ms']} | {b['p99_ms']} | {w['p50_ms']} | {w['p99_ms']} |")
PY
}
# Each starts a server, sets URL to it and adds its pid to PIDS (not in a subshell: PIDS must see it).
mlflow_server() { # backend-store-uri
  local port; port=$(free_port)
  "$VENV/bin/mlflow" server --backend-store-uri "$1" --artifacts-destination "$WORK/artifacts" --host 127.0.0.1 --port "$port" --workers 1 \
    >>"$WORK/mlflow.log" 2>&1 &
  PIDS+=($!)
  URL="http://127.0.0.1:$port"
  wait_http "$URL/health" || { tail -20 "$WORK/mlflow.log" >&2; return 1; }
}
metastore() { # extra flags...
  local port; port=$(free_port)
  java -jar metastore/target/metastore.jar --port "$port" --token-file "$WORK/tokens" "$@" >>"$WORK/metastore.log" 2>&1 &
  PIDS+=($!)
  URL="http://127.0.0.1:$port"
  wait_http "$URL/readyz" || { tail -20 "$WORK/metastore.log" >&2; return 1; }
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS=(); [ "$(id -u)" = 0 ] && { AS=(runuser -u postgres --); chown postgres "$WORK"; }
PGPORT=$(free_port)
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/pg" -A trust -U submarine --no-sync -E UTF8 >/dev/null
# Each server commits as PostgreSQL does by default (synchronous_commit on): both durable per call.
"${AS[@]}" "$PGBIN/postgres" -D "$WORK/pg" -p "$PGPORT" -k "$WORK" -c listen_addresses=127.0.0.1 >"$WORK/pg.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PGPORT" -q && break; sleep 0.5; done
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U submarine mlflow
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U submarine metastore

echo "| server | log_metric calls/s | p50 ms | p99 ms | log_batch (1,000 points) calls/s | p50 ms | p99 ms | same call, plain HTTP: p50 ms | p99 ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
mlflow_server "sqlite:///$WORK/mlflow.db"; measure "mlflow server 3.17.2, SQLite" "$URL"; kill "${PIDS[-1]}"
mlflow_server "postgresql+psycopg2://submarine@127.0.0.1:$PGPORT/mlflow"; measure "mlflow server 3.17.2, PostgreSQL" "$URL"; kill "${PIDS[-1]}"
metastore --data-dir "$WORK/h2"; measure "metastore, H2" "$URL" bench-token
METASTORE_H2="$URL"
sidecar() { # label extra flags...
  local label="$1" port; shift; port=$(free_port)
  POD_NAMESPACE=bench POD_NAME=bench POD_UID=bench-uid java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m -jar metrics-sidecar/target/metrics-sidecar.jar \
    --storage-uri "file://$WORK/remote" --logdir "$WORK/logdir" --work-dir "$WORK/sidecar-$port" --health-port 0 --tracking-port "$port" "$@" \
    >"$WORK/sidecar-$port.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/"
  measure "$label" "http://127.0.0.1:$port"
  kill "${PIDS[-1]}"
}
# In a pod the metastore is on another node; here it shares the two cores with the client and the sidecar.
sidecar "in-pod endpoint (metrics-sidecar), metastore elsewhere" --metastore-url "http://127.0.0.1:9" --metastore-token-file "$WORK/token"
sidecar "in-pod endpoint, forwarding to the metastore (H2) on the same cores" --metastore-url "$METASTORE_H2" --metastore-token-file "$WORK/token"
metastore --jdbc-url "jdbc:postgresql://127.0.0.1:$PGPORT/metastore" --jdbc-user submarine; measure "metastore, PostgreSQL" "$URL" bench-token

echo
echo "| the journal's floor (bench/tracking/fsync.py, $SINGLE calls) | p50 ms | p99 ms |"
echo "|---|---:|---:|"
python3 bench/tracking/fsync.py "$WORK" "$SINGLE"
