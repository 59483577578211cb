"""Reads two runs back with MLflow's own client from MLFLOW_TRACKING_URI (the metastore) and
prints them as JSON: each run's status, params, tags and latest metrics (get_run), each metric's
whole history (get_metric_history), a search with a filter and an order, and the parent's
artifacts as listed (list_artifacts, walked) and as downloaded (download_artifacts), by sha256.
Usage: read_back.py EXPERIMENT_ID PARENT_RUN_ID CHILD_RUN_ID"""
import hashlib
import json
import os
import sys
import tempfile

import mlflow.artifacts
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


def listed(artifact_uri, path=""):
    sizes = {}
    for info in mlflow.artifacts.list_artifacts(artifact_uri=artifact_uri + ("/" + path if path else "")):
        # Paths come relative to the URI's parent: the name is the last part.
        name = (path + "/" if path else "") + info.path.split("/")[-1]
        if info.is_dir:
            sizes.update(listed(artifact_uri, name))
        else:
            sizes[name] = info.file_size
    return sizes


def downloaded(run_id):
    root = client.download_artifacts(run_id, "", tempfile.mkdtemp())
    digests = {}
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                digests[os.path.relpath(os.path.join(folder, name), root)] = hashlib.sha256(f.read()).hexdigest()
    return digests


found = client.search_runs([experiment_id], filter_string="params.lr = '0.01' and metrics.loss < 0.5", order_by=["metrics.loss ASC"])
every = client.search_runs([experiment_id], order_by=["attributes.start_time ASC"])
print(json.dumps({
    "parent": run(parent_id),
    "child": run(child_id),
    "found": [r.info.run_id for r in found],
    "all": [r.info.run_id for r in every],
    "artifact_uri": client.get_run(parent_id).info.artifact_uri,
    "listed": listed(client.get_run(parent_id).info.artifact_uri),
    "downloaded": downloaded(parent_id),
}))
