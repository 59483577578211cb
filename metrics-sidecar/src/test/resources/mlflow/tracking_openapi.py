"""The in-pod endpoint's OpenAPI document: the metastore's, cut to the MLflow calls the pod
serves and MLflow's artifact API, with no authentication (the endpoint is on the pod's loopback, for the task alone).
One source for MLflow's request and answer shapes, so the two cannot drift apart.
Usage: tracking_openapi.py METASTORE_OPENAPI_YAML OUT_JSON"""
import json
import sys

import yaml

SERVED = {
    "experiments/get-by-name", "experiments/get", "experiments/create", "experiments/search", "experiments/set-experiment-tag",
    "runs/create", "runs/update", "runs/get", "runs/search", "runs/log-metric", "runs/log-parameter", "runs/set-tag",
    "runs/delete-tag", "runs/log-batch", "metrics/get-history", "runs/outputs", "logged-models", "logged-models/search",
    "logged-models/{model_id}", "logged-models/{model_id}/tags", "logged-models/{model_id}/tags/{tag_key}", "logged-models/{model_id}/params",
}
# The pod makes and finalizes its task's models; deleting one is the metastore's (an admin's).
NOT_SERVED = {("logged-models/{model_id}", "delete")}
with open(sys.argv[1]) as f:
    document = yaml.safe_load(f)
prefix = "/api/2.0/mlflow/"
artifacts = "/api/2.0/mlflow-artifacts/artifacts"
document["paths"] = {path: item for path, item in document["paths"].items()
                     if (path.startswith(prefix) and path[len(prefix):] in SERVED) or path.startswith(artifacts)}
for path, operation in NOT_SERVED:
    document["paths"][prefix + path].pop(operation)
document["security"] = []
for item in document["paths"].values():
    for operation in item.values():
        if isinstance(operation, dict):
            operation.pop("security", None)
            for status in ("401", "403"):
                operation.get("responses", {}).pop(status, None)
document["info"]["title"] = "metrics-sidecar: MLflow tracking in the pod"
with open(sys.argv[2], "w") as f:
    json.dump(document, f)
print(len(document["paths"]))
