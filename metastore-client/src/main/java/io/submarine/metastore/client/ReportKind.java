package io.submarine.metastore.client;

/** What a report is about; its path under {@code /api/v1/reports/}. */
public enum ReportKind {
    LOCALIZATION("localizations"),
    LOG_SEGMENT("log-segments"),
    EVENT_FILE_SEGMENT("event-file-segments"),
    METRIC_POINTS("metric-points"),
    MODEL_VERSION("model-versions"),
    LIFECYCLE("lifecycle"),
    MLFLOW_CALLS("mlflow-calls");

    private final String path;

    ReportKind(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }
}
