"""Reads two runs back with MLflow's own client from MLFLOW_TRACKING_URI (the metastore) and
prints them as JSON: each run's status, params, tags and latest metrics (get_run), each metric's
whole history (get_metric_history), a search with a filter and an order, the parent's
artifacts as listed (list_artifacts, walked) and as downloaded (download_artifacts), by sha256,
and the model it logged: found through the run (runs:/<run>/adder, which searches logged models),
loaded and asked to predict.
Usage: read_back.py EXPERIMENT_ID PARENT_RUN_ID CHILD_RUN_ID"""
import hashlib
import json
import os
import sys
import tempfile

import mlflow.pyfunc
from mlflow import MlflowClient

experiment_id, parent_id, child_id = sys.argv[1:4]
client = MlflowClient()


def run(run_id):
    got = client.get_run(run_id)
    return {
        "experiment_id": got.info.experiment_id,
        "name": got.info.run_name,
        "status": got.info.status,
        "params": got.data.params,
        "tags": {k: v for k, v in got.data.tags.items()},
        "metrics": got.data.metrics,
        "history": {key: [[m.step, m.value] for m in client.get_metric_history(run_id, key)] for key in got.data.metrics},
    }


def listed(run_id, path=None):
    sizes = {}
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            sizes.update(listed(run_id, info.path))
        else:
            sizes[info.path] = info.file_size
    return sizes


def downloaded(run_id):
    root = client.download_artifacts(run_id, "", tempfile.mkdtemp())
    digests = {}
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                digests[os.path.relpath(os.path.join(folder, name), root)] = hashlib.sha256(f.read()).hexdigest()
    return digests


def model_of(run_id):
    outputs = client.get_run(run_id).outputs.model_outputs
    logged = client.get_logged_model(outputs[0].model_id)
    loaded = mlflow.pyfunc.load_model(f"runs:/{run_id}/adder")
    return {"model_id": logged.model_id, "name": logged.name, "status": str(logged.status), "tags": logged.tags,
            "prediction": [int(x) for x in loaded.predict([1, 2])]}


found = client.search_runs([experiment_id], filter_string="params.lr = '0.01' and metrics.loss < 0.5", order_by=["metrics.loss ASC"])
every = client.search_runs([experiment_id], order_by=["attributes.start_time ASC"])
print(json.dumps({
    "parent": run(parent_id),
    "child": run(child_id),
    "found": [r.info.run_id for r in found],
    "all": [r.info.run_id for r in every],
    "artifact_uri": client.get_run(parent_id).info.artifact_uri,
    "listed": listed(parent_id),
    "model": model_of(parent_id),
    "downloaded": downloaded(parent_id),
}))
