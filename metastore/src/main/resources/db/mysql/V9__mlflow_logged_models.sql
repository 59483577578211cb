-- MySQL/MariaDB dialect of db/migration/V9.
CREATE TABLE mlflow_logged_models (
    model_id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    experiment_id     BIGINT        NOT NULL,
    name              VARCHAR(500)  NOT NULL,
    model_type        VARCHAR(500)  NOT NULL,
    source_run_id     VARCHAR(32)   NOT NULL,
    status            VARCHAR(40)   NOT NULL,
    lifecycle_stage   VARCHAR(32)   NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_update_time  BIGINT        NOT NULL,
    FOREIGN KEY (experiment_id) REFERENCES mlflow_experiments (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX mlflow_logged_models_by_experiment ON mlflow_logged_models (experiment_id);

CREATE TABLE mlflow_logged_model_tags (
    model_id  VARCHAR(64)   NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value TEXT          NOT NULL,
    PRIMARY KEY (model_id, tag_key),
    FOREIGN KEY (model_id) REFERENCES mlflow_logged_models (model_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mlflow_logged_model_params (
    model_id    VARCHAR(64)   NOT NULL,
    param_key   VARCHAR(250)  NOT NULL,
    param_value TEXT          NOT NULL,
    PRIMARY KEY (model_id, param_key),
    FOREIGN KEY (model_id) REFERENCES mlflow_logged_models (model_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mlflow_run_outputs (
    run_id   VARCHAR(32) NOT NULL,
    model_id VARCHAR(64) NOT NULL,
    step     BIGINT      NOT NULL,
    PRIMARY KEY (run_id, model_id, step),
    FOREIGN KEY (run_id) REFERENCES mlflow_runs (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
