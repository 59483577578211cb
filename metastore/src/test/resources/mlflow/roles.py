"""Every call a family of MLflow's routes serves, made by the real MLflow client as one role.

Prints one JSON line per call: its route family, its name, and "ok" or the error_code the client
raised. The tracking URI and token come from MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN; the
experiment and run to work on from EXPERIMENT_ID and RUN_ID.
"""
import json
import os
import time

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException

client = MlflowClient()
experiment = os.environ["EXPERIMENT_ID"]
run = os.environ["RUN_ID"]
role = os.environ["ROLE"]
now = int(time.time() * 1000)


def attempt(family, name, call):
    try:
        call()
        result = "ok"
    except MlflowException as e:
        result = e.error_code
    print(json.dumps({"family": family, "call": name, "result": result}), flush=True)


attempt("read", "get_experiment", lambda: client.get_experiment(experiment))
attempt("read", "get_experiment_by_name", lambda: client.get_experiment_by_name("roles"))
attempt("read", "search_experiments", lambda: client.search_experiments(filter_string="name = 'roles'"))
attempt("read", "get_run", lambda: client.get_run(run))
attempt("read", "search_runs", lambda: client.search_runs([experiment], filter_string="metrics.loss < 10"))
attempt("read", "get_metric_history", lambda: client.get_metric_history(run, "loss"))

attempt("log", "create_experiment", lambda: client.create_experiment("made-by-" + role, tags={"by": role}))
attempt("log", "set_experiment_tag", lambda: client.set_experiment_tag(experiment, "touched-by", role))
attempt("log", "create_run", lambda: client.create_run(experiment, run_name="run-by-" + role))
attempt("log", "log_metric", lambda: client.log_metric(run, "loss", 0.5, timestamp=now, step=1))
attempt("log", "log_param", lambda: client.log_param(run, "lr-" + role, "0.01"))
attempt("log", "set_tag", lambda: client.set_tag(run, "by-" + role, "yes"))
attempt("log", "delete_tag", lambda: client.delete_tag(run, "to-delete"))
attempt("log", "log_batch", lambda: client.log_batch(run, metrics=[Metric("acc", 0.9, now, 2)], params=[Param("batch-" + role, "64")],
                                                     tags=[RunTag("batch-by-" + role, "yes")]))
attempt("log", "update_run", lambda: client.update_run(run, status="RUNNING"))

attempt("manage", "delete_run", lambda: client.delete_run(run))
attempt("manage", "restore_run", lambda: client.restore_run(run))
attempt("manage", "delete_experiment", lambda: client.delete_experiment(experiment))
attempt("manage", "restore_experiment", lambda: client.restore_experiment(experiment))
