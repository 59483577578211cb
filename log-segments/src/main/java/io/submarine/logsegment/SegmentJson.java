package io.submarine.logsegment;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of the log formats (a segment's index, positions, and the shipper's small files), as
 * plain maps and lists through Jackson's streaming API. The shipper writes these on its start
 * path, where Jackson's object mapper cost 0.2 s of CPU to set up and introspect the records.
 *
 * <p>Output is ASCII (other characters escaped), as a gzip comment requires. Reading ignores
 * fields it does not know, so a newer writer can add some; a missing or mistyped field is an
 * {@link IOException} that names it.
 */
public final class SegmentJson {

    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private SegmentJson() {}

    /** {@code value} (maps with string keys, lists, strings, numbers, booleans, null) as JSON. */
    public static byte[] write(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator out = JSON.createGenerator(bytes)) {
            write(out, value);
        }
        return bytes.toByteArray();
    }

    /** JSON as maps (in document order), lists, strings, longs, doubles, booleans and null. */
    public static Object parse(byte[] json) throws IOException {
        try (JsonParser in = JSON.createParser(json)) {
            in.nextToken();
            Object value = read(in);
            if (in.nextToken() != null) {
                throw new IOException("unexpected content after the JSON value");
            }
            return value;
        } catch (JacksonException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON object read by {@link #parse}, or an error saying what {@code what} should have been. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String what) throws IOException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IOException(what + " must be a JSON object");
    }

    /** Field {@code name} of {@code object}, a JSON object. */
    public static Map<String, Object> object(Map<String, Object> object, String name) throws IOException {
        return object(object.get(name), "field '" + name + "'");
    }

    /** Field {@code name} of {@code object}, a whole number. */
    public static long number(Map<String, Object> object, String name) throws IOException {
        if (object.get(name) instanceof Long number) {
            return number;
        }
        throw new IOException("field '" + name + "' must be a whole number");
    }

    /** Field {@code name} of {@code object}, a whole number, or 0 if absent (written by an older shipper). */
    public static long optionalNumber(Map<String, Object> object, String name) throws IOException {
        return object.containsKey(name) ? number(object, name) : 0;
    }

    /** Field {@code name} of {@code object}, a string. */
    public static String text(Map<String, Object> object, String name) throws IOException {
        if (object.get(name) instanceof String text) {
            return text;
        }
        throw new IOException("field '" + name + "' must be a string");
    }

    /** Field {@code name} of {@code object}, an array. */
    public static List<Object> array(Map<String, Object> object, String name) throws IOException {
        if (object.get(name) instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        throw new IOException("field '" + name + "' must be an array");
    }

    /** Positions by source, as an index and the shipper's checkpoint hold them. */
    public static Map<String, Object> positionsToJson(Map<String, Position> positions) {
        Map<String, Object> json = new LinkedHashMap<>();
        positions.forEach((source, position) -> {
            Map<String, Object> fields = fields("anchor", position.anchor(), "fingerprint", position.fingerprint(), "offset", position.offset(),
                    "bytes", position.bytes(), "lines", position.lines());
            // Written only when known: a position without them reads as it was written before they existed.
            if (position.modified() != 0) {
                fields.put("modified", position.modified());
            }
            if (position.gaps() != 0) {
                fields.put("lostBytes", position.lostBytes());
                fields.put("gaps", position.gaps());
            }
            json.put(source, fields);
        });
        return json;
    }

    /** The reverse of {@link #positionsToJson}. */
    public static Map<String, Position> positionsFromJson(Map<String, Object> json) throws IOException {
        Map<String, Position> positions = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : json.entrySet()) {
            Map<String, Object> position = object(entry.getValue(), "the position of " + entry.getKey());
            try {
                positions.put(entry.getKey(), new Position(text(position, "anchor"), text(position, "fingerprint"), number(position, "offset"),
                        number(position, "bytes"), number(position, "lines"), optionalNumber(position, "modified"),
                        optionalNumber(position, "lostBytes"), optionalNumber(position, "gaps")));
            } catch (IllegalArgumentException e) {
                throw new IOException("the position of " + entry.getKey() + " is invalid", e);
            }
        }
        return positions;
    }

    /** The runs of an index, or of the shipper's open segment. */
    public static List<Object> runsToJson(List<SegmentIndex.Run> runs) {
        List<Object> json = new ArrayList<>();
        for (SegmentIndex.Run run : runs) {
            json.add(fields("source", run.source(), "segmentOffset", run.segmentOffset(), "length", run.length(), "sourceByte", run.sourceByte(),
                    "sourceLine", run.sourceLine(), "lines", run.lines()));
        }
        return json;
    }

    /** The reverse of {@link #runsToJson}. */
    public static List<SegmentIndex.Run> runsFromJson(List<Object> json) throws IOException {
        List<SegmentIndex.Run> runs = new ArrayList<>();
        for (Object element : json) {
            Map<String, Object> run = object(element, "a run");
            runs.add(new SegmentIndex.Run(text(run, "source"), number(run, "segmentOffset"), number(run, "length"), number(run, "sourceByte"),
                    number(run, "sourceLine"), number(run, "lines")));
        }
        return runs;
    }

    /** A map of alternating names and values, in that order. */
    public static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }

    static byte[] writeIndex(SegmentIndex index) throws IOException {
        return write(fields("format", index.format(), "stream", index.stream(), "restart", index.restart(), "sequence", index.sequence(),
                "firstByte", index.firstByte(), "firstLine", index.firstLine(), "bytes", index.bytes(), "lines", index.lines(), "runs", runsToJson(index.runs()),
                "positions", positionsToJson(index.positions()), "opened", index.opened(), "sealed", index.sealed()));
    }

    static SegmentIndex readIndex(byte[] json) throws IOException {
        Map<String, Object> index = object(parse(json), "a segment index");
        List<SegmentIndex.Run> runs = runsFromJson(array(index, "runs"));
        return new SegmentIndex(smallNumber(index, "format"), text(index, "stream"), smallNumber(index, "restart"),
                number(index, "sequence"), number(index, "firstByte"), number(index, "firstLine"), number(index, "bytes"), number(index, "lines"), runs,
                positionsFromJson(object(index, "positions")), text(index, "opened"), text(index, "sealed"));
    }

    private static int smallNumber(Map<String, Object> object, String name) throws IOException {
        long number = number(object, name);
        if (number < 0 || number > Integer.MAX_VALUE) {
            throw new IOException("field '" + name + "' is out of range: " + number);
        }
        return (int) number;
    }

    private static void write(JsonGenerator out, Object value) throws IOException {
        if (value instanceof Map<?, ?> map) {
            out.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.writeFieldName((String) entry.getKey());
                write(out, entry.getValue());
            }
            out.writeEndObject();
        } else if (value instanceof List<?> list) {
            out.writeStartArray();
            for (Object element : list) {
                write(out, element);
            }
            out.writeEndArray();
        } else if (value instanceof String text) {
            out.writeString(text);
        } else if (value instanceof Integer || value instanceof Long) {
            out.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double number) {
            out.writeNumber(number);
        } else if (value instanceof Boolean flag) {
            out.writeBoolean(flag);
        } else if (value == null) {
            out.writeNull();
        } else {
            throw new IllegalArgumentException("no JSON for a " + value.getClass().getName());
        }
    }

    private static Object read(JsonParser in) throws IOException {
        JsonToken token = in.currentToken();
        if (token == null) {
            throw new IOException("the JSON ends early");
        }
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String name = in.currentName();
                    in.nextToken();
                    map.put(name, read(in));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (in.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(in));
                }
                return list;
            }
            case VALUE_STRING -> {
                return in.getText();
            }
            case VALUE_NUMBER_INT -> {
                return in.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return in.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return token == JsonToken.VALUE_TRUE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + token + " in the JSON");
        }
    }
}
