package io.submarine.metastore.resources;

import io.submarine.metastore.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a listing of resources asks for: a name prefix, equality on spec fields (dot paths into
 * the spec), an order (name, created or updated; {@code -} for descending, ties by name) and
 * where the previous page stopped. The cursor is opaque to clients: the order it was made for,
 * the last item's sort value and name.
 */
record ResourceQuery(String prefix, Map<String, String> specEquals, Sort sort, boolean descending, Optional<Position> after, int limit) {

    enum Sort {
        NAME("name"), CREATED("created_at"), UPDATED("updated_at");

        final String column;

        Sort(String column) {
            this.column = column;
        }
    }

    /** Where a page ended: the last item's sort value (its name when sorting by name) and name. */
    record Position(long value, String name) {}

    private static final List<String> PARAMETERS = List.of("prefix", "sort", "cursor", "limit", "spec.<field>");

    /** Parses a listing's query parameters; anything unknown or malformed is a 400 that says what is allowed. */
    static ResourceQuery parse(Map<String, List<String>> parameters) {
        Map<String, String> specEquals = new LinkedHashMap<>();
        String prefix = "";
        String sortText = "name";
        String cursor = null;
        int limit = 100;
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            if (parameter.getValue().size() != 1) {
                throw invalid("give '" + name + "' once");
            }
            String value = parameter.getValue().get(0);
            if (name.startsWith("spec.") && name.length() > 5) {
                specEquals.put(name.substring(5), value);
            } else {
                switch (name) {
                    case "prefix" -> prefix = value;
                    case "sort" -> sortText = value;
                    case "cursor" -> cursor = value;
                    case "limit" -> limit = limit(value);
                    default -> throw invalid("unknown query parameter '" + name + "'; known: " + String.join(", ", PARAMETERS));
                }
            }
        }
        boolean descending = sortText.startsWith("-");
        Sort sort = switch (descending ? sortText.substring(1) : sortText) {
            case "name" -> Sort.NAME;
            case "created" -> Sort.CREATED;
            case "updated" -> Sort.UPDATED;
            default -> throw invalid("sort must be name, created or updated, with a leading '-' for descending");
        };
        Optional<Position> after = cursor == null || cursor.isEmpty() ? Optional.empty() : Optional.of(decode(cursor, sortText));
        return new ResourceQuery(prefix, Map.copyOf(specEquals), sort, descending, after, limit);
    }

    /** Whether {@code spec} has every asked field, a string, number or boolean equal to the asked text. */
    boolean matches(JsonObject spec) {
        for (Map.Entry<String, String> wanted : specEquals.entrySet()) {
            Object value = spec;
            for (String step : wanted.getKey().split("\\.", -1)) {
                value = value instanceof JsonObject object ? object.getValue(step) : null;
            }
            boolean scalar = value instanceof String || value instanceof Number || value instanceof Boolean;
            if (!scalar || !String.valueOf(value).equals(wanted.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Where {@code item} (as {@link ResourceStore} returns it) stands in this order. */
    Position positionOf(JsonObject item) {
        long value = switch (sort) {
            case NAME -> 0;
            case CREATED -> item.getLong("created");
            case UPDATED -> item.getLong("updated");
        };
        return new Position(value, item.getString("name"));
    }

    /** The cursor that continues after {@code item} in this order. */
    String cursorAfter(JsonObject item) {
        Position position = positionOf(item);
        String text = (descending ? "-" : "") + sort.name().toLowerCase(java.util.Locale.ROOT) + "\n" + position.value() + "\n" + position.name();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Position decode(String cursor, String sortText) {
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", 3);
        } catch (IllegalArgumentException e) {
            throw invalid("cursor is not one this service gave out; pass nextCursor back unchanged");
        }
        if (parts.length != 3 || !parts[0].equals(sortText) || parts[2].indexOf('\0') >= 0) {
            throw invalid("cursor was given out for another sort; pass it back with the same sort, or start again without one");
        }
        try {
            return new Position(Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            throw invalid("cursor is not one this service gave out; pass nextCursor back unchanged");
        }
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= 1000) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw invalid("limit must be a whole number from 1 to 1000");
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "INVALID_PARAMETER_VALUE", message);
    }
}
