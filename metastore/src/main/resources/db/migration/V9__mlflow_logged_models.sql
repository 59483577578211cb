-- MLflow 3's logged models (what log_model makes): the model, its tags and params, and the runs
-- that output it. Its files are in the artifact tree, under <experiment location>/models/<id>/artifacts.
CREATE TABLE mlflow_logged_models (
    model_id          VARCHAR(64)   PRIMARY KEY,
    experiment_id     BIGINT        NOT NULL REFERENCES mlflow_experiments (experiment_id),
    name              VARCHAR(500)  NOT NULL,
    model_type        VARCHAR(500)  NOT NULL,
    source_run_id     VARCHAR(32)   NOT NULL,
    status            VARCHAR(40)   NOT NULL,
    lifecycle_stage   VARCHAR(32)   NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_update_time  BIGINT        NOT NULL
);
CREATE INDEX mlflow_logged_models_by_experiment ON mlflow_logged_models (experiment_id);

CREATE TABLE mlflow_logged_model_tags (
    model_id  VARCHAR(64)   NOT NULL REFERENCES mlflow_logged_models (model_id),
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(8000) NOT NULL,
    PRIMARY KEY (model_id, tag_key)
);

CREATE TABLE mlflow_logged_model_params (
    model_id    VARCHAR(64)   NOT NULL REFERENCES mlflow_logged_models (model_id),
    param_key   VARCHAR(250)  NOT NULL,
    param_value VARCHAR(6000) NOT NULL,
    PRIMARY KEY (model_id, param_key)
);

CREATE TABLE mlflow_run_outputs (
    run_id   VARCHAR(32) NOT NULL REFERENCES mlflow_runs (run_id),
    model_id VARCHAR(64) NOT NULL,
    step     BIGINT      NOT NULL,
    PRIMARY KEY (run_id, model_id, step)
);
