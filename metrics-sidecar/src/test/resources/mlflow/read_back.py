"""Reads two runs back with MLflow's own client from MLFLOW_TRACKING_URI (the metastore) and
prints them as JSON: each run's status, params, tags and latest metrics (get_run), each metric's
whole history (get_metric_history), and a search with a filter and an order.
Usage: read_back.py EXPERIMENT_ID PARENT_RUN_ID CHILD_RUN_ID"""
import json
import sys

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


found = client.search_runs([experiment_id], filter_string="params.lr = '0.01' and metrics.loss < 0.5", order_by=["metrics.loss ASC"])
every = client.search_runs([experiment_id], order_by=["attributes.start_time ASC"])
print(json.dumps({
    "parent": run(parent_id),
    "child": run(child_id),
    "found": [r.info.run_id for r in found],
    "all": [r.info.run_id for r in every],
}))
