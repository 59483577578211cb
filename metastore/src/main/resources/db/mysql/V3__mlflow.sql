-- MySQL/MariaDB dialect of db/migration/V3.
CREATE TABLE mlflow_experiments (
    experiment_id     BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name              VARCHAR(500)  NOT NULL,
    artifact_location VARCHAR(2000) NOT NULL,
    lifecycle_stage   VARCHAR(32)   NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_update_time  BIGINT        NOT NULL,
    CONSTRAINT mlflow_experiment_name UNIQUE (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mlflow_runs (
    run_id          VARCHAR(32)  NOT NULL PRIMARY KEY,
    experiment_id   BIGINT       NOT NULL,
    run_name        VARCHAR(250) NOT NULL,
    status          VARCHAR(20)  NOT NULL,
    start_time      BIGINT       NOT NULL,
    end_time        BIGINT,
    lifecycle_stage VARCHAR(32)  NOT NULL,
    FOREIGN KEY (experiment_id) REFERENCES mlflow_experiments (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mlflow_params (
    run_id      VARCHAR(32)   NOT NULL,
    param_key   VARCHAR(250)  NOT NULL,
    param_value VARCHAR(6000) NOT NULL,
    PRIMARY KEY (run_id, param_key),
    FOREIGN KEY (run_id) REFERENCES mlflow_runs (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE mlflow_tags (
    run_id    VARCHAR(32)   NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(8000) NOT NULL,
    PRIMARY KEY (run_id, tag_key),
    FOREIGN KEY (run_id) REFERENCES mlflow_runs (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
