package io.submarine.metastore.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a report says, one record per kind, so a program can't misspell a field the metastore
 * reads back (a log segment's {@code uri}, a metric point's {@code step}). {@link Report#of(PodIdentity,
 * ReportContent)} makes the report.
 */
public sealed interface ReportContent {

    ReportKind kind();

    /** The payload as the metastore's REST API takes it. */
    Map<String, Object> payload();

    /** A source put in place by the localizer; {@code outcome} is {@code succeeded} or {@code failed}. */
    record Localization(String source, String type, String url, String target, String revision, long files, long bytes, double seconds,
            boolean unchanged, String outcome) implements ReportContent {
        public ReportKind kind() {
            return ReportKind.LOCALIZATION;
        }

        public Map<String, Object> payload() {
            return fields("source", source, "type", type, "url", url, "target", target, "revision", revision, "files", files, "bytes", bytes,
                    "seconds", seconds, "unchanged", unchanged, "outcome", outcome);
        }
    }

    /** A committed log segment: its object, and the byte and line ranges of the stream it holds. */
    record LogSegment(String container, long sequence, String uri, long firstByte, long endByte, long firstLine, long endLine, List<String> sources,
            long lostBytes, long gaps) implements ReportContent {
        public ReportKind kind() {
            return ReportKind.LOG_SEGMENT;
        }

        public Map<String, Object> payload() {
            return fields("container", container, "sequence", sequence, "uri", uri, "firstByte", firstByte, "endByte", endByte,
                    "firstLine", firstLine, "endLine", endLine, "sources", List.copyOf(sources), "lostBytes", lostBytes, "gaps", gaps);
        }
    }

    /** A committed piece of a TensorFlow event file: where it is and which bytes of the file it holds. */
    record EventFileSegment(String file, long sequence, String uri, long firstByte, long endByte) implements ReportContent {
        public ReportKind kind() {
            return ReportKind.EVENT_FILE_SEGMENT;
        }

        public Map<String, Object> payload() {
            return fields("file", file, "sequence", sequence, "uri", uri, "firstByte", firstByte, "endByte", endByte);
        }
    }

    /** Metric points, at most 10,000 per report. */
    record MetricPoints(List<Point> points) implements ReportContent {
        /** One value of a metric at a step; {@code timestampMs} is wall time. */
        public record Point(String key, long step, double value, long timestampMs) {}

        public ReportKind kind() {
            return ReportKind.METRIC_POINTS;
        }

        public Map<String, Object> payload() {
            return Map.of("points", points.stream().map(p -> fields("key", p.key(), "step", p.step(), "value", p.value(), "timestamp", p.timestampMs())).toList());
        }
    }

    /** A model version committed by artifact-sync: where, its manifest's digest, and its size. */
    record ModelVersion(String uri, String manifestDigest, long files, long bytes) implements ReportContent {
        public ReportKind kind() {
            return ReportKind.MODEL_VERSION;
        }

        public Map<String, Object> payload() {
            return fields("uri", uri, "manifestDigest", manifestDigest, "files", files, "bytes", bytes);
        }
    }

    /** A container started, or finished with an exit code. */
    record Lifecycle(String event, Integer exitCode) implements ReportContent {
        public static Lifecycle started() {
            return new Lifecycle("started", null);
        }

        public static Lifecycle finished(int exitCode) {
            return new Lifecycle("finished", exitCode);
        }

        public ReportKind kind() {
            return ReportKind.LIFECYCLE;
        }

        public Map<String, Object> payload() {
            return exitCode == null ? fields("event", event) : fields("event", event, "exitCode", exitCode);
        }
    }

    /**
     * MLflow calls a pod's tracking endpoint accepted, in order, each its request body with the ids
     * the pod made; the metastore applies them once per idempotency key.
     */
    record MlflowCalls(List<Call> calls) implements ReportContent {
        /** One call: its path under {@code /api/2.0/mlflow/} ({@code runs/log-batch}) and its body, a JSON object. */
        public record Call(String call, Map<String, Object> body) {}

        public ReportKind kind() {
            return ReportKind.MLFLOW_CALLS;
        }

        public Map<String, Object> payload() {
            return Map.of("calls", calls.stream().map(c -> fields("call", c.call(), "body", c.body())).toList());
        }
    }

    /** Name-value pairs in order; a null value is left out, as JSON would have it missing. */
    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return fields;
    }
}
