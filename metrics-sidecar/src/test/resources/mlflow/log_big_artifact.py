"""Logs one large file as an artifact of a new run, with MLflow's own client, then downloads it
back and prints, as JSON, the run, the file's size and the sha256 of what went and what came back.
Usage: log_big_artifact.py SIZE_MIB"""
import hashlib
import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient

size = int(sys.argv[1]) << 20
path = os.path.join(tempfile.mkdtemp(), "model.bin")
sent = hashlib.sha256()
with open(path, "wb") as f:
    block = os.urandom(1 << 20)
    for i in range(size >> 20):
        chunk = hashlib.sha256(block + i.to_bytes(8, "big")).digest() * (1 << 15)
        f.write(chunk)
        sent.update(chunk)
mlflow.set_experiment("big-artifacts")
with mlflow.start_run() as run:
    mlflow.log_artifact(path, artifact_path="weights")
os.remove(path)
back = MlflowClient().download_artifacts(run.info.run_id, "weights/model.bin", tempfile.mkdtemp())
received = hashlib.sha256()
with open(back, "rb") as f:
    while chunk := f.read(1 << 20):
        received.update(chunk)
print(json.dumps({"run": run.info.run_id, "experiment": run.info.experiment_id, "size": os.path.getsize(back),
                  "sent": sent.hexdigest(), "received": received.hexdigest()}))
