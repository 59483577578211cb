-- NaN and infinities as a code beside the value (metric_value is 0 then), as MLflow's is_nan:
-- MySQL and MariaDB can't store them in a DOUBLE. 0 a finite value, 1 NaN, 2 +Infinity, 3 -Infinity.
ALTER TABLE metric_points ADD COLUMN special_value SMALLINT NOT NULL DEFAULT 0;
