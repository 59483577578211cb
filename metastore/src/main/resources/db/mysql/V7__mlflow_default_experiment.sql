-- MySQL/MariaDB dialect of db/migration/V7: an AUTO_INCREMENT column takes 0 literally only in
-- NO_AUTO_VALUE_ON_ZERO mode, set for this statement and put back (the connection is pooled).
SET @submarine_sql_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO');
INSERT INTO mlflow_experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
SELECT 0, 'Default', '', 'active', 0, 0 FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM mlflow_experiments WHERE name = 'Default');
SET SESSION sql_mode = @submarine_sql_mode;
