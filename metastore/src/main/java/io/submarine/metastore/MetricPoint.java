package io.submarine.metastore;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** One point of a metric: key, step, value, wall time. Parsed from a metric-points report, checked field by field. */
record MetricPoint(String key, long step, double value, long timestampMs) {

    static final int MAX_POINTS_PER_REPORT = 10_000;

    static List<MetricPoint> fromPayload(JsonObject payload) {
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
            Object step = point.getValue("step", 0);
            Object timestamp = point.getValue("timestamp", 0);
            if (!(key instanceof String k) || k.isEmpty() || k.length() > 250) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload.points[" + i + "].key must be a string of 1 to 250 characters");
            }
            if (!(value instanceof Number v) || !(step instanceof Integer || step instanceof Long) || !(timestamp instanceof Integer || timestamp instanceof Long)) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload.points[" + i + "] needs a numeric value and whole-number step and timestamp");
            }
            parsed.add(new MetricPoint(k, ((Number) step).longValue(), v.doubleValue(), ((Number) timestamp).longValue()));
        }
        return parsed;
    }

    /**
     * Binds {@code value} to the parameter for metric_value at {@code index} and to special_value
     * right after it: MySQL and MariaDB can't store NaN or infinities, so those are a code (V5).
     */
    static void bindValue(PreparedStatement statement, int index, double value) throws SQLException {
        statement.setDouble(index, Double.isFinite(value) ? value : 0);
        statement.setInt(index + 1, Double.isNaN(value) ? 1 : value == Double.POSITIVE_INFINITY ? 2 : value == Double.NEGATIVE_INFINITY ? 3 : 0);
    }

    /** The value selected as metric_value at {@code index}, with special_value right after it. */
    static double readValue(ResultSet rows, int index) throws SQLException {
        return switch (rows.getInt(index + 1)) {
            case 1 -> Double.NaN;
            case 2 -> Double.POSITIVE_INFINITY;
            case 3 -> Double.NEGATIVE_INFINITY;
            default -> rows.getDouble(index);
        };
    }

    JsonObject toJson() {
        return new JsonObject().put("key", key).put("step", step).put("value", value).put("timestamp", timestampMs);
    }
}
