-- MySQL/MariaDB dialect of db/migration/V8.
CREATE TABLE metric_series (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_kind VARCHAR(32)  NOT NULL,
    owner_name VARCHAR(253) NOT NULL,
    metric_key VARCHAR(250) NOT NULL,
    run_id     VARCHAR(32)  NOT NULL DEFAULT '',
    CONSTRAINT metric_series_identity UNIQUE (owner_kind, owner_name, metric_key, run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX metric_series_by_run ON metric_series (run_id, metric_key);

INSERT INTO metric_series (owner_kind, owner_name, metric_key, run_id)
SELECT DISTINCT owner_kind, owner_name, metric_key, run_id FROM metric_points;

ALTER TABLE metric_points ADD COLUMN series_id BIGINT;
UPDATE metric_points SET series_id = (SELECT s.id FROM metric_series s WHERE s.owner_kind = metric_points.owner_kind
    AND s.owner_name = metric_points.owner_name AND s.metric_key = metric_points.metric_key AND s.run_id = metric_points.run_id);
ALTER TABLE metric_points MODIFY series_id BIGINT NOT NULL;
ALTER TABLE metric_points ADD FOREIGN KEY (series_id) REFERENCES metric_series (id);

DROP INDEX metric_points_history ON metric_points;
DROP INDEX metric_points_by_run ON metric_points;
ALTER TABLE metric_points DROP COLUMN owner_kind, DROP COLUMN owner_name, DROP COLUMN metric_key, DROP COLUMN run_id;
CREATE INDEX metric_points_by_series ON metric_points (series_id, step);
