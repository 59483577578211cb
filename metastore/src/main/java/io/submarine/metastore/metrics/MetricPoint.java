package io.submarine.metastore.metrics;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** One point of a metric: key, step, value, wall time. Parsed from a metric-points report, checked field by field. */
public record MetricPoint(String key, long step, double value, long timestampMs) {

    static final int MAX_POINTS_PER_REPORT = 10_000;

    public static List<MetricPoint> fromPayload(JsonObject payload) {
        Object points = payload.getValue("points");
        if (!(points instanceof JsonArray array)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "a metric-points report needs payload.points, a list of {key, value, step, timestamp}");
        }
        if (array.size() > MAX_POINTS_PER_REPORT) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "at most " + MAX_POINTS_PER_REPORT + " points per report, got " + array.size());
        }
        List<MetricPoint> parsed = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject point)) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload.points[" + i + "] must be an object");
            }
            Object key = point.getValue("key");
            Object value = point.getValue("value");
            Object step = point.getValue("step") == null ? Integer.valueOf(0) : point.getValue("step");
            Object timestamp = point.getValue("timestamp") == null ? Integer.valueOf(0) : point.getValue("timestamp");
            if (!(key instanceof String k) || k.isEmpty() || k.length() > 250) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload.points[" + i + "].key must be a string of 1 to 250 characters");
            }
            if (!(value instanceof Number v) || !(step instanceof Integer || step instanceof Long) || !(timestamp instanceof Integer || timestamp instanceof Long)) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload.points[" + i + "] needs a numeric value and whole-number step and timestamp");
            }
            ApiBodies.withoutNul(k, "payload.points[" + i + "].key");
            parsed.add(new MetricPoint(k, ((Number) step).longValue(), v.doubleValue(), ((Number) timestamp).longValue()));
        }
        return parsed;
    }

    public JsonObject toJson() {
        return new JsonObject().put("key", key).put("step", step).put("value", value).put("timestamp", timestampMs);
    }
}
