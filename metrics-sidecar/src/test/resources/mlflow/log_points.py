"""Logs POINTS metric points with MLflow's own client, its retries on, while the endpoint behind
MLFLOW_TRACKING_URI is killed and restarted: single log_metric calls and log_batch calls of 100,
over steps 0..POINTS-1 of "loss" (single) and "acc" (batches), half each. Writes the run's id to
OUT once the run is made, and "done" last. Usage: log_points.py OUT POINTS"""
import sys
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric

out, points = sys.argv[1], int(sys.argv[2])
client = MlflowClient()
mlflow.set_experiment("sigkill-loop")
run = mlflow.start_run(run_name="killed-often")
run_id = run.info.run_id
with open(out, "w") as f:
    f.write(run_id + "\n")
mlflow.log_param("points", str(points))
half = points // 2
single, batched = 0, 0
while single < half or batched < half:
    if single < half:
        mlflow.log_metric("loss", 1.0 / (single + 1), step=single)
        single += 1
    if batched < half and single % 10 == 0:
        now = int(time.time() * 1000)
        batch = [Metric("acc", step / points, now, step) for step in range(batched, min(batched + 100, half))]
        client.log_batch(run_id, metrics=batch)
        batched += len(batch)
mlflow.end_run()
with open(out, "a") as f:
    f.write("done\n")
print("logged", points, "points to", run_id, flush=True)
