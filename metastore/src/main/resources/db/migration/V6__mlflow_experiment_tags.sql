-- MLflow experiment tags (set-experiment-tag, searched as tags.<key>).
CREATE TABLE mlflow_experiment_tags (
    experiment_id BIGINT        NOT NULL REFERENCES mlflow_experiments (experiment_id),
    tag_key       VARCHAR(250)  NOT NULL,
    tag_value     VARCHAR(5000) NOT NULL,
    PRIMARY KEY (experiment_id, tag_key)
);
