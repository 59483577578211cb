-- MLflow's "Default" experiment, id 0: clients that never set an experiment log their runs there.
-- Skipped where someone already made an experiment of that name.
INSERT INTO mlflow_experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
SELECT 0, 'Default', '', 'active', 0, 0 WHERE NOT EXISTS (SELECT 1 FROM mlflow_experiments WHERE name = 'Default');
