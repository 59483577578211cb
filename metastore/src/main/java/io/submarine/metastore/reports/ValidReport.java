package io.submarine.metastore.reports;

import io.submarine.metastore.api.ApiBodies;
import io.submarine.metastore.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** A report body that passed validation; its constructor says exactly what is wrong otherwise. */
record ValidReport(String namespace, String pod, String podUid, String container, int restart, String ownerKind, String ownerName, JsonObject payload) {

    private static final Set<String> FIELDS = Set.of("namespace", "pod", "podUid", "container", "restart", "ownerKind", "ownerName", "payload");
    private static final Set<String> OWNER_KINDS = Set.of("", "experiment", "notebook", "serving");

    ValidReport withPayload(JsonObject other) {
        return new ValidReport(namespace, pod, podUid, container, restart, ownerKind, ownerName, other);
    }

    static ValidReport of(JsonObject body) {
        for (String field : body.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "unknown field '" + field + "'; known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
            }
        }
        String ownerKind = text(body, "ownerKind", false, 32);
        if (!OWNER_KINDS.contains(ownerKind)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "ownerKind must be experiment, notebook or serving");
        }
        Object restart = body.getValue("restart") == null ? Integer.valueOf(0) : body.getValue("restart");
        if (!(restart instanceof Integer count) || count < 0) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "restart must be a whole number, 0 or more");
        }
        Object payload = body.getValue("payload");
        if (!(payload instanceof JsonObject object)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "payload must be a JSON object");
        }
        return new ValidReport(text(body, "namespace", true, 253), text(body, "pod", true, 253), text(body, "podUid", true, 64),
                text(body, "container", false, 253), count, ownerKind, text(body, "ownerName", false, 253), object);
    }

    private static String text(JsonObject body, String field, boolean required, int max) {
        Object value = body.getValue(field);
        if (value == null) {
            if (required) {
                throw new ApiException(400, "INVALID_PARAMETER_VALUE", "'" + field + "' is missing");
            }
            return "";
        }
        if (!(value instanceof String text)) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "'" + field + "' must be a string");
        }
        if (required && text.isEmpty()) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "'" + field + "' must not be empty");
        }
        if (text.length() > max) {
            throw new ApiException(400, "INVALID_PARAMETER_VALUE", "'" + field + "' is longer than " + max + " characters");
        }
        return ApiBodies.withoutNul(text, field);
    }
}
