"""A training script as data scientists write it, against MLFLOW_TRACKING_URI with MLflow's own
client: an experiment by name, a run with params, tags and metrics over steps (single calls and
batches, async logging on), a nested run, a tag deleted, a folder of outputs and a file logged as
artifacts, a model logged (MLflow 3's log_model: a logged model, its files, finalized), the run ended. Writes what it logged, as JSON, to the file named by its argument, for
the test to compare with what it reads back.
Usage: log_run.py EXPECTED_JSON [STEPS]"""
import hashlib
import json
import os
import sys
import tempfile

import mlflow
import mlflow.pyfunc
from mlflow import MlflowClient


class AddOne(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return [x + 1 for x in model_input]


out = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
mlflow.set_experiment("mnist-tracking")
mlflow.config.enable_async_logging(True)
client = MlflowClient()
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_params({"lr": "0.01", "batch": "32"})
    mlflow.set_tags({"stage": "tuning", "owner": "alice"})
    for step in range(steps):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    for step in range(0, steps, 10):
        mlflow.log_metrics({"acc": step / steps, "f1": step / (2 * steps)}, step=step)
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_param("layers", "3")
        for step in range(20):
            mlflow.log_metric("val_loss", 2.0 / (step + 1), step=step)
    client.delete_tag(parent.info.run_id, "owner")
    outputs = tempfile.mkdtemp()
    files = {
        "config.yaml": b"lr: 0.01\nbatch: 32\n",
        "plots/loss curve.txt": "\n".join(str(1.0 / (s + 1)) for s in range(steps)).encode(),
        "plots/deep/weights.bin": os.urandom(3 << 20),
        "empty.txt": b"",
    }
    for name, content in files.items():
        os.makedirs(os.path.dirname(os.path.join(outputs, name)), exist_ok=True)
        with open(os.path.join(outputs, name), "wb") as f:
            f.write(content)
    mlflow.log_artifacts(outputs, artifact_path="outputs")
    summary = os.path.join(tempfile.mkdtemp(), "summary.json")
    with open(summary, "w") as f:
        json.dump({"steps": steps}, f)
    mlflow.log_artifact(summary)
    artifacts = {"outputs/" + name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    model = mlflow.pyfunc.log_model(name="adder", python_model=AddOne(), pip_requirements=[])
    with open(summary, "rb") as f:
        artifacts["summary.json"] = hashlib.sha256(f.read()).hexdigest()
    mlflow.set_tag("stage", "done")
experiment = mlflow.get_experiment_by_name("mnist-tracking")
expected = {
    "experiment_id": experiment.experiment_id,
    "parent": parent.info.run_id,
    "child": child.info.run_id,
    "history": {
        "loss": [[s, 1.0 / (s + 1)] for s in range(steps)],
        "acc": [[s, s / steps] for s in range(0, steps, 10)],
        "f1": [[s, s / (2 * steps)] for s in range(0, steps, 10)],
    },
    "child_history": {"val_loss": [[s, 2.0 / (s + 1)] for s in range(20)]},
    "artifacts": artifacts,
    "model_id": model.model_id,
}
with open(out, "w") as f:
    json.dump(expected, f)
print("logged", parent.info.run_id, child.info.run_id, flush=True)
