package io.submarine.metrics.tracking;

import static io.submarine.metrics.tracking.MlflowError.invalid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/** An MLflow request's fields, typed and limited as MLflow's server (and the metastore) takes them; the messages are MLflow's. */
final class Fields {

    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS = 100;
    static final int MAX_TAGS = 100;
    static final int MAX_ENTITIES = 1000;
    private static final Pattern ID = Pattern.compile("[0-9]{1,18}");
    private static final Pattern INT64 = Pattern.compile("-?[0-9]{1,18}");

    private Fields() {}

    static JsonNode required(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw invalid("Missing value for required parameter '" + field + "'");
        }
        return value;
    }

    static String text(ObjectNode body, String field, boolean required, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw invalid("Missing value for required parameter '" + field + "'");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a string");
        }
        String text = value.asText();
        if (text.length() > max) {
            throw invalid("'" + field + "' exceeds the maximum length of " + max);
        }
        if (text.indexOf('\0') >= 0) {
            throw invalid("'" + field + "' must not contain NUL characters");
        }
        return text;
    }

    /** A metric's, param's or tag's name: 1 to 250 characters. */
    static String key(ObjectNode body) {
        String key = text(body, "key", true, 250);
        if (key.isEmpty()) {
            throw invalid("Missing value for required parameter 'key'");
        }
        return key;
    }

    /** The run: run_id, or run_uuid (MLflow's older name). */
    static String runId(ObjectNode body) {
        String id = null;
        for (String field : List.of("run_uuid", "run_id")) {
            JsonNode value = body.get(field);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isTextual() || value.asText().isEmpty()) {
                throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a run id");
            }
            id = value.asText();
        }
        if (id == null) {
            throw invalid("Missing value for required parameter 'run_id'");
        }
        return id;
    }

    /** An experiment's id: digits, as a string or (from older clients) a number. */
    static String experimentId(JsonNode value, String field) {
        if (value.isTextual() && ID.matcher(value.asText()).matches()) {
            return Long.toString(Long.parseLong(value.asText()));
        }
        if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0 && value.asLong() <= 999_999_999_999_999_999L) {
            return Long.toString(value.asLong());
        }
        throw invalid("Invalid value " + value + " for parameter '" + field + "': expected an experiment id (digits)");
    }

    /** An int64: proto3 JSON sends a number or a string of digits. */
    static long number(JsonNode value, String field) {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.asLong();
        }
        if (value.isTextual() && INT64.matcher(value.asText()).matches()) {
            return Long.parseLong(value.asText());
        }
        throw invalid("Invalid value " + value + " for parameter '" + field + "': expected a whole number");
    }

    static ObjectNode keyValue(ObjectNode body, int maxValue) {
        String key = key(body);
        String value = text(body, "value", true, maxValue);
        return body.objectNode().put("key", key).put("value", value);
    }

    /** A metric point as it is kept and answered: key, value (a number, or "NaN", "Infinity", "-Infinity"), timestamp, step. */
    static ObjectNode metric(ObjectNode body) {
        String key = key(body);
        for (String field : List.of("model_id", "dataset_name", "dataset_digest", "run_id")) {
            text(body, field, false, 1000);
        }
        JsonNode value = required(body, "value");
        if (!value.isNumber() && !(value.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(value.asText()))) {
            throw invalid("Invalid value " + value + " for parameter 'value': expected a number");
        }
        long timestamp = number(required(body, "timestamp"), "timestamp");
        long step = body.hasNonNull("step") ? number(body.get("step"), "step") : 0;
        ObjectNode point = body.objectNode().put("key", key);
        point.set("value", value.isNumber() ? body.numberNode(value.asDouble()) : value);
        return point.put("timestamp", timestamp).put("step", step);
    }

    static List<ObjectNode> list(ObjectNode body, String field, int max, Function<ObjectNode, ObjectNode> parse) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw invalid("'" + field + "' must be a list");
        }
        if (value.size() > max) {
            throw invalid("A batch logging request can contain at most " + max + " " + field + ", got " + value.size());
        }
        List<ObjectNode> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isObject()) {
                throw invalid("each of '" + field + "' must be an object");
            }
            items.add(parse.apply((ObjectNode) item));
        }
        return items;
    }

    static List<ObjectNode> keyValues(ObjectNode body, String field, int max, int maxValue) {
        return list(body, field, max, item -> keyValue(item, maxValue));
    }
}
