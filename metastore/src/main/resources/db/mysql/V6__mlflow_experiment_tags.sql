-- MySQL/MariaDB dialect of db/migration/V6.
CREATE TABLE mlflow_experiment_tags (
    experiment_id BIGINT        NOT NULL,
    tag_key       VARCHAR(250)  NOT NULL,
    tag_value     VARCHAR(5000) NOT NULL,
    PRIMARY KEY (experiment_id, tag_key),
    FOREIGN KEY (experiment_id) REFERENCES mlflow_experiments (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
