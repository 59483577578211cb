-- MySQL/MariaDB dialect of db/migration/V2.
CREATE TABLE metric_points (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    report_id    BIGINT,
    run_id       VARCHAR(32)  NOT NULL DEFAULT '',
    owner_kind   VARCHAR(32)  NOT NULL,
    owner_name   VARCHAR(253) NOT NULL,
    metric_key   VARCHAR(250) NOT NULL,
    step         BIGINT       NOT NULL,
    metric_value DOUBLE       NOT NULL,
    timestamp_ms BIGINT       NOT NULL,
    FOREIGN KEY (report_id) REFERENCES reports (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE INDEX metric_points_history ON metric_points (owner_kind, owner_name, metric_key, step);
CREATE INDEX metric_points_by_run ON metric_points (run_id, metric_key, step);
