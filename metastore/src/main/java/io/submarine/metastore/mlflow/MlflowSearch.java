package io.submarine.metastore.mlflow;

import io.submarine.metastore.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * MLflow's search language for runs and experiments: a filter of clauses joined by AND
 * ({@code metrics.loss < 0.5 and params.model = 'cnn' and tags."team name" LIKE 'vision%'}),
 * an order_by list ({@code metrics.acc DESC}) and an offset page token. Searches are evaluated on
 * the loaded entities, not in SQL: the language has to mean the same on H2, PostgreSQL and MySQL.
 */
final class MlflowSearch {

    /** What a clause can look at: attributes (strings or numbers), latest metrics, params, tags. */
    record Entity(Map<String, Object> attributes, Map<String, Double> metrics, Map<String, String> params, Map<String, String> tags, JsonObject json) {

        static Entity ofRun(JsonObject run) {
            JsonObject info = run.getJsonObject("info");
            JsonObject data = run.getJsonObject("data");
            Map<String, Object> attributes = new HashMap<>();
            for (String name : List.of("run_id", "run_name", "status", "artifact_uri", "lifecycle_stage", "start_time", "end_time")) {
                attributes.put(name, info.getValue(name));
            }
            attributes.put("created", info.getValue("start_time"));
            Map<String, Double> metrics = new HashMap<>();
            for (Object metric : data.getJsonArray("metrics")) {
                metrics.put(((JsonObject) metric).getString("key"), ((JsonObject) metric).getDouble("value"));
            }
            Map<String, String> tags = keyValues(data.getJsonArray("tags"));
            attributes.put("user_id", tags.get("mlflow.user"));
            return new Entity(attributes, metrics, keyValues(data.getJsonArray("params")), tags, run);
        }

        static Entity ofExperiment(JsonObject experiment) {
            Map<String, Object> attributes = new HashMap<>();
            for (String name : List.of("name", "experiment_id", "creation_time", "last_update_time", "lifecycle_stage")) {
                attributes.put(name, experiment.getValue(name));
            }
            return new Entity(attributes, Map.of(), Map.of(), keyValues(experiment.getJsonArray("tags", new JsonArray())), experiment);
        }

        static Entity ofLoggedModel(JsonObject model) {
            JsonObject info = model.getJsonObject("info");
            Map<String, Object> attributes = new HashMap<>();
            for (String name : List.of("model_id", "name", "status", "model_type", "source_run_id", "creation_timestamp_ms", "last_updated_timestamp_ms")) {
                attributes.put(name, info.getValue(name));
            }
            attributes.put("creation_timestamp", info.getValue("creation_timestamp_ms"));
            attributes.put("creation_time", info.getValue("creation_timestamp_ms"));
            attributes.put("last_updated_timestamp", info.getValue("last_updated_timestamp_ms"));
            return new Entity(attributes, Map.of(), keyValues(model.getJsonObject("data").getJsonArray("params", new JsonArray())),
                    keyValues(info.getJsonArray("tags", new JsonArray())), model);
        }

        private static Map<String, String> keyValues(JsonArray items) {
            Map<String, String> map = new HashMap<>();
            for (Object item : items) {
                map.put(((JsonObject) item).getString("key"), ((JsonObject) item).getString("value"));
            }
            return map;
        }
    }

    /** What is searched: which identifiers exist, which attributes are numbers, and the order when none is asked. */
    enum Target {
        RUNS(Set.of("metrics", "params", "tags", "attributes"), Set.of("run_id", "run_name", "status", "artifact_uri", "user_id", "lifecycle_stage"),
                Set.of("start_time", "end_time", "created"), List.of("attributes.start_time DESC", "attributes.run_id ASC")),
        EXPERIMENTS(Set.of("tags", "attributes"), Set.of("name", "lifecycle_stage"), Set.of("creation_time", "last_update_time", "experiment_id"),
                List.of("attributes.creation_time DESC", "attributes.experiment_id DESC")),
        LOGGED_MODELS(Set.of("metrics", "params", "tags", "attributes"), Set.of("model_id", "name", "status", "model_type", "source_run_id"),
                Set.of("creation_timestamp", "creation_time", "last_updated_timestamp"), List.of("attributes.creation_timestamp DESC", "attributes.model_id ASC"));

        final Set<String> entities;
        final Set<String> stringAttributes;
        final Set<String> numberAttributes;
        final List<String> defaultOrder;

        Target(Set<String> entities, Set<String> stringAttributes, Set<String> numberAttributes, List<String> defaultOrder) {
            this.entities = entities;
            this.stringAttributes = stringAttributes;
            this.numberAttributes = numberAttributes;
            this.defaultOrder = defaultOrder;
        }
    }

    private record Identifier(String entity, String key) {}

    private static final Map<String, String> ENTITY_ALIASES = Map.ofEntries(Map.entry("metric", "metrics"), Map.entry("metrics", "metrics"),
            Map.entry("param", "params"), Map.entry("params", "params"), Map.entry("parameter", "params"), Map.entry("parameters", "params"),
            Map.entry("tag", "tags"), Map.entry("tags", "tags"), Map.entry("attribute", "attributes"), Map.entry("attributes", "attributes"),
            Map.entry("attr", "attributes"), Map.entry("run", "attributes"));
    private static final List<String> NUMBER_COMPARATORS = List.of("=", "!=", "<", "<=", ">", ">=");
    private static final List<String> STRING_COMPARATORS = List.of("=", "!=", "LIKE", "ILIKE");

    private final Target target;
    private final Predicate<Entity> filter;
    private final Comparator<Entity> order;

    private MlflowSearch(Target target, Predicate<Entity> filter, Comparator<Entity> order) {
        this.target = target;
        this.filter = filter;
        this.order = order;
    }

    /** Parses a filter (null or blank: everything) and an order_by list; a mistake is INVALID_PARAMETER_VALUE saying where. */
    static MlflowSearch parse(Target target, String filter, List<String> orderBy) {
        Predicate<Entity> predicate = entity -> true;
        if (filter != null && !filter.isBlank()) {
            Parser parser = new Parser(target, filter);
            predicate = parser.clause();
            while (parser.more()) {
                parser.keyword("AND");
                predicate = predicate.and(parser.clause());
            }
        }
        Comparator<Entity> comparator = null;
        List<String> all = new ArrayList<>(orderBy);
        all.addAll(target.defaultOrder);
        for (String item : all) {
            Comparator<Entity> next = new Parser(target, item).orderItem();
            comparator = comparator == null ? next : comparator.thenComparing(next);
        }
        return new MlflowSearch(target, predicate, comparator);
    }

    /** One page of {@code entities} that match, in order, from the offset in {@code pageToken}. */
    JsonObject page(List<Entity> entities, int maxResults, String pageToken, String itemsField) {
        int offset = offset(pageToken);
        List<Entity> matching = entities.stream().filter(filter).sorted(order).toList();
        JsonArray items = new JsonArray();
        matching.stream().skip(offset).limit(maxResults).forEach(entity -> items.add(entity.json()));
        // An empty list is left out, as proto3 JSON (and MLflow's server) leaves it out.
        JsonObject page = items.isEmpty() ? new JsonObject() : new JsonObject().put(itemsField, items);
        if (offset + maxResults < matching.size()) {
            String token = new JsonObject().put("offset", offset + maxResults).encode();
            page.put("next_page_token", Base64.getUrlEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        return page;
    }

    Target target() {
        return target;
    }

    private static int offset(String pageToken) {
        if (pageToken == null || pageToken.isEmpty()) {
            return 0;
        }
        try {
            int offset = new JsonObject(new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8)).getInteger("offset");
            if (offset >= 0) {
                return offset;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw invalid("Invalid page token, could not base64-decode: pass next_page_token back unchanged");
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "INVALID_PARAMETER_VALUE", message);
    }

    /** A hand-written recursive descent over the text: quotes mean a key on the left and a string on the right. */
    private static final class Parser {
        private final Target target;
        private final String text;
        private int at;

        Parser(Target target, String text) {
            this.target = target;
            this.text = text;
        }

        boolean more() {
            skipSpace();
            return at < text.length();
        }

        Predicate<Entity> clause() {
            Identifier identifier = identifier();
            String comparator = comparator();
            boolean number = identifier.entity().equals("metrics") || target.numberAttributes.contains(identifier.key());
            if (comparator.endsWith("IN")) {
                if (!(identifier.entity().equals("attributes") && identifier.key().equals("run_id"))) {
                    throw invalid("'" + comparator + "' works only on attributes.run_id");
                }
                Set<String> values = stringList();
                boolean in = comparator.equals("IN");
                return entity -> entity.attributes().get("run_id") instanceof String id && values.contains(id) == in;
            }
            List<String> allowed = number ? NUMBER_COMPARATORS : STRING_COMPARATORS;
            if (!allowed.contains(comparator)) {
                throw invalid("Invalid comparator '" + comparator + "' for " + identifier.entity() + "." + identifier.key() + ", not one of " + allowed);
            }
            if (number) {
                double value = number();
                return entity -> {
                    Double actual = numberOf(entity, identifier);
                    return actual != null && compare(actual, comparator, value);
                };
            }
            String value = string();
            Predicate<String> test = switch (comparator) {
                case "=" -> value::equals;
                case "!=" -> actual -> !actual.equals(value);
                default -> like(value, comparator.equals("ILIKE"));
            };
            return entity -> {
                String actual = stringOf(entity, identifier);
                return actual != null && test.test(actual);
            };
        }

        /** {@code <identifier> [ASC|DESC]}; entities without the value come last either way, as in MLflow. */
        Comparator<Entity> orderItem() {
            Identifier identifier = identifier();
            boolean descending = false;
            if (more()) {
                String direction = word().toUpperCase(Locale.ROOT);
                if (!direction.equals("ASC") && !direction.equals("DESC")) {
                    throw invalid("Invalid order_by clause '" + text + "': expected ASC or DESC after the identifier");
                }
                descending = direction.equals("DESC");
            }
            if (more()) {
                throw invalid("Invalid order_by clause '" + text + "'");
            }
            boolean number = identifier.entity().equals("metrics") || target.numberAttributes.contains(identifier.key());
            if (number) {
                return Comparator.comparing(entity -> numberOf(entity, identifier),
                        Comparator.nullsLast(descending ? Comparator.<Double>reverseOrder() : Comparator.<Double>naturalOrder()));
            }
            return Comparator.comparing(entity -> stringOf(entity, identifier),
                    Comparator.nullsLast(descending ? Comparator.<String>reverseOrder() : Comparator.<String>naturalOrder()));
        }

        private Identifier identifier() {
            skipSpace();
            String first = word();
            String entity = ENTITY_ALIASES.get(first.toLowerCase(Locale.ROOT));
            String key;
            if (entity != null && at < text.length() && text.charAt(at) == '.') {
                at++;
                key = at < text.length() && (text.charAt(at) == '"' || text.charAt(at) == '`') ? quoted() : key();
            } else if (target != Target.RUNS && (target.stringAttributes.contains(first) || target.numberAttributes.contains(first))) {
                // MLflow lets experiment and logged model searches leave out "attributes.".
                entity = "attributes";
                key = first;
            } else {
                throw invalid("Invalid identifier '" + first + "' at position " + at + ": expected "
                        + String.join(", ", target.entities.stream().sorted().map(e -> e + ".<key>").toList()));
            }
            if (!target.entities.contains(entity)) {
                throw invalid("Invalid identifier '" + entity + "." + key + "': " + target.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                        + " are searched by " + String.join(", ", target.entities.stream().sorted().toList()));
            }
            if (entity.equals("attributes") && !target.stringAttributes.contains(key) && !target.numberAttributes.contains(key)) {
                List<String> known = new ArrayList<>(target.stringAttributes);
                known.addAll(target.numberAttributes);
                throw invalid("Invalid attribute key '" + key + "' specified. Valid keys are " + known.stream().sorted().toList());
            }
            if (key.isEmpty()) {
                throw invalid("Invalid identifier at position " + at + ": the key after '" + first + ".' is empty");
            }
            return new Identifier(entity, key);
        }

        private String comparator() {
            skipSpace();
            for (String symbol : List.of("!=", "<=", ">=", "=", "<", ">")) {
                if (text.startsWith(symbol, at)) {
                    at += symbol.length();
                    return symbol;
                }
            }
            String word = word().toUpperCase(Locale.ROOT);
            if (word.equals("NOT")) {
                skipSpace();
                if (word().toUpperCase(Locale.ROOT).equals("IN")) {
                    return "NOT IN";
                }
            } else if (List.of("LIKE", "ILIKE", "IN").contains(word)) {
                return word;
            }
            throw invalid("Invalid comparator at position " + at + " of '" + text + "': expected one of =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN");
        }

        private double number() {
            skipSpace();
            int start = at;
            while (at < text.length() && "+-.0123456789eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            try {
                return Double.parseDouble(text.substring(start, at));
            } catch (NumberFormatException e) {
                throw invalid("Expected a numeric value at position " + start + " of '" + text + "'");
            }
        }

        private String string() {
            skipSpace();
            if (at >= text.length() || (text.charAt(at) != '\'' && text.charAt(at) != '"')) {
                throw invalid("Expected a quoted string value at position " + at + " of '" + text + "'");
            }
            return quoted();
        }

        private Set<String> stringList() {
            skipSpace();
            expect('(');
            Set<String> values = new java.util.HashSet<>();
            values.add(string());
            skipSpace();
            while (at < text.length() && text.charAt(at) == ',') {
                at++;
                values.add(string());
                skipSpace();
            }
            expect(')');
            return values;
        }

        private void expect(char c) {
            skipSpace();
            if (at >= text.length() || text.charAt(at) != c) {
                throw invalid("Expected '" + c + "' at position " + at + " of '" + text + "'");
            }
            at++;
        }

        private String quoted() {
            char quote = text.charAt(at);
            int end = text.indexOf(quote, at + 1);
            if (end < 0) {
                throw invalid("Unterminated quote at position " + at + " of '" + text + "'");
            }
            String value = text.substring(at + 1, end);
            at = end + 1;
            return value;
        }

        /** An entity, attribute or keyword: letters, digits and '_'. */
        private String word() {
            return scan("_");
        }

        /** A bare key after its entity's dot: also '.' (mlflow.runName) and '-'. */
        private String key() {
            return scan("_.-");
        }

        private String scan(String punctuation) {
            skipSpace();
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || punctuation.indexOf(text.charAt(at)) >= 0)) {
                at++;
            }
            return text.substring(start, at);
        }

        private void keyword(String expected) {
            String word = word();
            if (!word.equalsIgnoreCase(expected)) {
                throw invalid("Expected '" + expected + "' at position " + (at - word.length()) + " of '" + text + "' (only AND joins clauses)");
            }
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }
    }

    private static Double numberOf(Entity entity, Identifier identifier) {
        Object value = identifier.entity().equals("metrics") ? entity.metrics().get(identifier.key()) : entity.attributes().get(identifier.key());
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String stringOf(Entity entity, Identifier identifier) {
        return switch (identifier.entity()) {
            case "params" -> entity.params().get(identifier.key());
            case "tags" -> entity.tags().get(identifier.key());
            default -> {
                Object value = entity.attributes().get(identifier.key());
                yield value == null ? null : value.toString();
            }
        };
    }

    private static boolean compare(double actual, String comparator, double value) {
        return switch (comparator) {
            case "=" -> actual == value;
            case "!=" -> actual != value;
            case "<" -> actual < value;
            case "<=" -> actual <= value;
            case ">" -> actual > value;
            default -> actual >= value;
        };
    }

    /** SQL LIKE: {@code %} any run of characters, {@code _} one character; ILIKE ignores case. */
    private static Predicate<String> like(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '%' ? ".*" : c == '_' ? "." : Pattern.quote(String.valueOf(c)));
        }
        Pattern compiled = Pattern.compile(regex.toString(), Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0));
        return actual -> compiled.matcher(actual).matches();
    }
}
