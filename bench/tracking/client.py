"""The bench's training script: MLflow's own client against MLFLOW_TRACKING_URI, timing each call.
Single log_metric calls, then log_batch calls of 1,000 points; then the same single call sent
with plain requests (the server without the client's own time). Prints one JSON line:
{"single": {"calls_per_s", "p50_ms", "p99_ms"}, "batch": {...}, "raw": {...}}.
Usage: client.py SINGLE_CALLS BATCH_CALLS"""
import json
import os
import sys
import time

import requests

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

single_calls, batch_calls = int(sys.argv[1]), int(sys.argv[2])
client = MlflowClient()
mlflow.set_experiment(f"bench-{time.time_ns()}")
run = mlflow.start_run()
run_id = run.info.run_id
# Warmed up first: both kinds of server compile their hot paths as they go (Python's and the JVM's).
for warm in range(500):
    mlflow.log_metric("warm", warm, step=warm)


def summary(latencies, wall):
    latencies = sorted(latencies)
    return {
        "calls_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


latencies = []
start = time.perf_counter()
for step in range(single_calls):
    before = time.perf_counter()
    mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    latencies.append(time.perf_counter() - before)
single = summary(latencies, time.perf_counter() - start)

latencies = []
start = time.perf_counter()
for call in range(batch_calls):
    now = int(time.time() * 1000)
    batch = [Metric("acc", point / 1000, now, call * 1000 + point) for point in range(1000)]
    before = time.perf_counter()
    client.log_batch(run_id, metrics=batch)
    latencies.append(time.perf_counter() - before)
batch = summary(latencies, time.perf_counter() - start)
session = requests.Session()
headers = {"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]} if os.environ.get("MLFLOW_TRACKING_TOKEN") else {}
url = os.environ["MLFLOW_TRACKING_URI"].rstrip("/") + "/api/2.0/mlflow/runs/log-metric"
latencies = []
start = time.perf_counter()
for step in range(single_calls):
    body = {"run_id": run_id, "key": "raw", "value": 1.0 / (step + 1), "timestamp": int(time.time() * 1000), "step": step}
    before = time.perf_counter()
    session.post(url, json=body, headers=headers).raise_for_status()
    latencies.append(time.perf_counter() - before)
raw = summary(latencies, time.perf_counter() - start)
mlflow.end_run()
print(json.dumps({"single": single, "batch": batch, "raw": raw}), flush=True)
