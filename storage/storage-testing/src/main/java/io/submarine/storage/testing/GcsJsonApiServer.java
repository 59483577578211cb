package io.submarine.storage.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * An in-process server for the part of the Cloud Storage JSON API that the Java client uses
 * for our calls, written from Google's API reference because no GCS emulator can be installed
 * here: object metadata, media download with Range and generation, resumable uploads
 * (308 Resume Incomplete, finalize on the last chunk), ifGenerationMatch preconditions
 * evaluated atomically at finalize, paged listing, delete, compose and batch deletes. Objects
 * live in files, so a 1 GiB object costs no heap. Bearer tokens are checked when one is set.
 *
 * <p>It runs the real client's HTTP code paths, which google-cloud-nio's LocalStorageHelper
 * (an RPC-level fake) skips; it is still a stand-in, not GCS.
 */
public final class GcsJsonApiServer implements ServerControl, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OBJECT_PATH = Pattern.compile("^(?:/download)?/storage/v1/b/([^/]+)/o/([^/]+)(/compose)?$");
    private static final Pattern OBJECTS_PATH = Pattern.compile("^/storage/v1/b/([^/]+)/o/?$");
    private static final Pattern UPLOAD_PATH = Pattern.compile("^/upload/storage/v1/b/([^/]+)/o/?$");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (?:(\\d+)-(\\d+)|\\*)/(\\d+|\\*)");

    private record StoredObject(String bucket, String name, Path file, long size, long generation, Instant created) {}

    private record Session(String bucket, String name, Path file, Long ifGenerationMatch) {}

    private final Path dataDir;
    private final String requiredToken;
    private final Object commitLock = new Object();
    private final NavigableMap<String, StoredObject> objects = new TreeMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
    private int port;
    private HttpServer server;

    /** A server for {@code dataDir}; {@code requiredToken} null accepts requests without credentials. */
    public GcsJsonApiServer(Path dataDir, String requiredToken) {
        this.dataDir = dataDir;
        this.requiredToken = requiredToken;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public synchronized void start() throws IOException {
        Files.createDirectories(dataDir);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        port = server.getAddress().getPort();
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fake-gcs");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    /** Stops serving at once; like a crashed frontend, open upload sessions are lost. */
    @Override
    public synchronized void kill() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        sessions.clear();
    }

    @Override
    public void close() {
        kill();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            // A batch carries the credentials of each request inside it; those are checked per part.
            if (requiredToken != null && !path.equals("/batch/storage/v1")
                    && !("Bearer " + requiredToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                drain(exchange);
                error(exchange, 401, "Invalid Credentials");
                return;
            }
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String method = exchange.getRequestMethod();
            Matcher m;
            if ((m = UPLOAD_PATH.matcher(path)).matches()) {
                if (method.equals("POST")) {
                    startUpload(exchange, decode(m.group(1)), query);
                } else if (method.equals("PUT")) {
                    continueUpload(exchange, query.get("upload_id"));
                } else {
                    error(exchange, 405, "method not allowed");
                }
            } else if ((m = OBJECT_PATH.matcher(path)).matches()) {
                String bucket = decode(m.group(1));
                String name = decode(m.group(2));
                if (m.group(3) != null && method.equals("POST")) {
                    compose(exchange, bucket, name, query);
                } else if (method.equals("GET") && "media".equals(query.get("alt"))) {
                    download(exchange, bucket, name, query);
                } else if (method.equals("GET")) {
                    StoredObject object = objects(bucket, name);
                    if (object == null) {
                        error(exchange, 404, "No such object: " + bucket + "/" + name);
                    } else {
                        json(exchange, 200, resource(object));
                    }
                } else if (method.equals("DELETE")) {
                    int status = delete(bucket, name);
                    if (status == 204) {
                        exchange.sendResponseHeaders(204, -1);
                    } else {
                        error(exchange, status, "No such object: " + bucket + "/" + name);
                    }
                } else {
                    error(exchange, 405, "method not allowed");
                }
            } else if ((m = OBJECTS_PATH.matcher(path)).matches() && method.equals("GET")) {
                list(exchange, decode(m.group(1)), query);
            } else if (path.equals("/batch/storage/v1") && method.equals("POST")) {
                batch(exchange);
            } else {
                error(exchange, 404, "not found: " + method + " " + path);
            }
        } catch (RuntimeException | IOException e) {
            // Said in the response: the client's error then names the server's problem.
            error(exchange, 500, e.toString());
        }
    }

    private StoredObject objects(String bucket, String name) {
        synchronized (commitLock) {
            return objects.get(bucket + "/" + name);
        }
    }

    private void startUpload(HttpExchange exchange, String bucket, Map<String, String> query) throws IOException {
        byte[] body = body(exchange).readAllBytes();
        String name = query.get("name");
        if (name == null && body.length > 0) {
            JsonNode metadata = JSON.readTree(body);
            name = metadata.path("name").asText(null);
        }
        if (name == null || !"resumable".equals(query.get("uploadType"))) {
            error(exchange, 400, "only resumable uploads with an object name are served");
            return;
        }
        String id = UUID.randomUUID().toString();
        Path file = dataDir.resolve("upload-" + id);
        Files.createFile(file);
        Long precondition = query.containsKey("ifGenerationMatch") ? Long.valueOf(query.get("ifGenerationMatch")) : null;
        sessions.put(id, new Session(bucket, name, file, precondition));
        exchange.getResponseHeaders().set("Location", endpoint() + "/upload/storage/v1/b/" + encode(bucket) + "/o?uploadType=resumable&upload_id=" + id);
        exchange.sendResponseHeaders(200, -1);
    }

    private void continueUpload(HttpExchange exchange, String id) throws IOException {
        Session session = id == null ? null : sessions.get(id);
        if (session == null) {
            drain(exchange);
            error(exchange, 404, "no such upload session");
            return;
        }
        Matcher range = CONTENT_RANGE.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Range")));
        if (!range.matches()) {
            drain(exchange);
            error(exchange, 400, "missing or malformed Content-Range");
            return;
        }
        long have = Files.size(session.file());
        if (range.group(1) != null) {
            long first = Long.parseLong(range.group(1));
            if (first > have) {
                drain(exchange);
                error(exchange, 400, "Content-Range starts at " + first + " but " + have + " bytes were received");
                return;
            }
            try (InputStream in = exchange.getRequestBody();
                    OutputStream out = Files.newOutputStream(session.file(), StandardOpenOption.APPEND)) {
                in.skipNBytes(have - first); // a retried chunk: keep what we already have
                in.transferTo(out);
            }
            have = Files.size(session.file());
        } else {
            drain(exchange);
        }
        if (range.group(3).equals("*") || have < Long.parseLong(range.group(3))) {
            if (have > 0) {
                exchange.getResponseHeaders().set("Range", "bytes=0-" + (have - 1));
            }
            exchange.sendResponseHeaders(308, -1);
            return;
        }
        sessions.remove(id);
        StoredObject committed = commit(session.bucket(), session.name(), session.file(), session.ifGenerationMatch());
        if (committed == null) {
            error(exchange, 412, "At least one of the pre-conditions you specified did not hold.");
            return;
        }
        json(exchange, 200, resource(committed));
    }

    /** Publishes {@code file} as the object if the precondition holds; the one atomic step of a write. */
    private StoredObject commit(String bucket, String name, Path file, Long ifGenerationMatch) throws IOException {
        synchronized (commitLock) {
            StoredObject current = objects.get(bucket + "/" + name);
            long currentGeneration = current == null ? 0 : current.generation();
            if (ifGenerationMatch != null && ifGenerationMatch != currentGeneration) {
                Files.deleteIfExists(file);
                return null;
            }
            long generation = generations.incrementAndGet();
            Path stored = dataDir.resolve("object-" + generation);
            Files.move(file, stored);
            StoredObject object = new StoredObject(bucket, name, stored, Files.size(stored), generation, Instant.now());
            objects.put(bucket + "/" + name, object);
            if (current != null) {
                Files.deleteIfExists(current.file());
            }
            return object;
        }
    }

    private void download(HttpExchange exchange, String bucket, String name, Map<String, String> query) throws IOException {
        StoredObject object = objects(bucket, name);
        if (object == null || (query.containsKey("generation") && Long.parseLong(query.get("generation")) != object.generation())) {
            error(exchange, 404, "No such object: " + bucket + "/" + name);
            return;
        }
        long from = 0;
        long to = object.size() - 1;
        int status = 200;
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
            if (m.matches()) {
                from = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) {
                    to = Math.min(to, Long.parseLong(m.group(2)));
                }
                if (from >= object.size()) {
                    error(exchange, 416, "The requested range cannot be satisfied.");
                    return;
                }
                status = 206;
                exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + object.size());
            }
        }
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.getResponseHeaders().set("x-goog-generation", Long.toString(object.generation()));
        exchange.getResponseHeaders().set("x-goog-metageneration", "1");
        exchange.getResponseHeaders().set("x-goog-stored-content-length", Long.toString(object.size()));
        exchange.getResponseHeaders().set("x-goog-stored-content-encoding", "identity");
        long length = Math.max(0, to - from + 1);
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        if (length > 0) {
            try (InputStream in = Files.newInputStream(object.file()); OutputStream out = exchange.getResponseBody()) {
                in.skipNBytes(from);
                copy(in, out, length);
            } catch (java.nio.file.NoSuchFileException replacedMeanwhile) {
                // An overwrite removed this generation while it was being read; the client sees a cut stream.
            }
        }
    }

    private void list(HttpExchange exchange, String bucket, Map<String, String> query) throws IOException {
        String prefix = query.getOrDefault("prefix", "");
        int max = Integer.parseInt(query.getOrDefault("maxResults", "1000"));
        String after = query.containsKey("pageToken")
                ? new String(Base64.getUrlDecoder().decode(query.get("pageToken")), StandardCharsets.UTF_8) : null;
        ObjectNode page = JSON.createObjectNode().put("kind", "storage#objects");
        ArrayNode items = page.putArray("items");
        synchronized (commitLock) {
            String from = bucket + "/" + (after != null ? after : prefix);
            String last = null;
            for (StoredObject object : objects.tailMap(from, after == null).values()) {
                if (!object.bucket().equals(bucket) || !object.name().startsWith(prefix)) {
                    break;
                }
                if (items.size() == max) {
                    page.put("nextPageToken", Base64.getUrlEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
                    break;
                }
                items.add(resource(object));
                last = object.name();
            }
        }
        json(exchange, 200, page);
    }

    private int delete(String bucket, String name) throws IOException {
        synchronized (commitLock) {
            StoredObject removed = objects.remove(bucket + "/" + name);
            if (removed == null) {
                return 404;
            }
            Files.deleteIfExists(removed.file());
            return 204;
        }
    }

    private void compose(HttpExchange exchange, String bucket, String name, Map<String, String> query) throws IOException {
        JsonNode request = JSON.readTree(body(exchange));
        Path combined = dataDir.resolve("compose-" + UUID.randomUUID());
        try (OutputStream out = Files.newOutputStream(combined)) {
            for (JsonNode source : request.path("sourceObjects")) {
                StoredObject object = objects(bucket, source.path("name").asText());
                if (object == null) {
                    Files.delete(combined);
                    error(exchange, 404, "No such object: " + bucket + "/" + source.path("name").asText());
                    return;
                }
                Files.copy(object.file(), out);
            }
        }
        Long precondition = query.containsKey("ifGenerationMatch") ? Long.valueOf(query.get("ifGenerationMatch")) : null;
        StoredObject committed = commit(bucket, name, combined, precondition);
        if (committed == null) {
            error(exchange, 412, "At least one of the pre-conditions you specified did not hold.");
            return;
        }
        json(exchange, 200, resource(committed));
    }

    /** multipart/mixed batches of DELETE requests, answered in order, as the batch endpoint does. */
    private void batch(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        Matcher boundaryMatch = Pattern.compile("boundary=\"?([^\";]+)\"?").matcher(String.valueOf(contentType));
        if (!boundaryMatch.find()) {
            error(exchange, 400, "batch needs a multipart boundary");
            return;
        }
        String body = new String(body(exchange).readAllBytes(), StandardCharsets.UTF_8);
        String boundary = "batch_" + UUID.randomUUID().toString().replace("-", "");
        StringBuilder response = new StringBuilder();
        Pattern request = Pattern.compile("^(DELETE) (\\S+) HTTP/1\\.1", Pattern.MULTILINE);
        for (String part : body.split("--" + Pattern.quote(boundaryMatch.group(1)))) {
            Matcher m = request.matcher(part);
            if (!m.find()) {
                continue;
            }
            String path = java.net.URI.create(m.group(2)).getRawPath();
            Matcher object = OBJECT_PATH.matcher(path);
            boolean authorized = requiredToken == null || part.contains("Authorization: Bearer " + requiredToken);
            int status = !authorized ? 401 : object.matches() ? delete(decode(object.group(1)), decode(object.group(2))) : 404;
            Matcher contentId = Pattern.compile("(?i)Content-ID:\\s*<?([^>\\r\\n]+)>?").matcher(part);
            response.append("--").append(boundary).append("\r\n")
                    .append("Content-Type: application/http\r\n");
            if (contentId.find()) {
                response.append("Content-ID: <response-").append(contentId.group(1)).append(">\r\n");
            }
            String errorBody = status == 204 ? "" : "{\"error\":{\"code\":" + status + ",\"message\":\"" + reason(status) + "\"}}";
            response.append("\r\n").append("HTTP/1.1 ").append(status).append(status == 204 ? " No Content" : " " + reason(status)).append("\r\n");
            if (!errorBody.isEmpty()) {
                response.append("Content-Type: application/json; charset=UTF-8\r\nContent-Length: ").append(errorBody.length()).append("\r\n\r\n").append(errorBody);
            } else {
                response.append("Content-Length: 0\r\n\r\n");
            }
            response.append("\r\n");
        }
        response.append("--").append(boundary).append("--\r\n");
        byte[] bytes = response.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "multipart/mixed; boundary=" + boundary);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static ObjectNode resource(StoredObject object) {
        String time = object.created().toString();
        return JSON.createObjectNode()
                .put("kind", "storage#object")
                .put("id", object.bucket() + "/" + object.name() + "/" + object.generation())
                .put("name", object.name())
                .put("bucket", object.bucket())
                .put("generation", Long.toString(object.generation()))
                .put("metageneration", "1")
                .put("contentType", "application/octet-stream")
                .put("storageClass", "STANDARD")
                .put("size", Long.toString(object.size()))
                .put("timeCreated", time)
                .put("updated", time)
                .put("etag", Long.toHexString(object.generation()));
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("code", status).put("message", message)
                .putArray("errors").addObject().put("message", message).put("reason", reason(status));
        json(exchange, status, error);
    }

    private static String reason(int status) {
        return switch (status) {
            case 401 -> "required";
            case 404 -> "notFound";
            case 412 -> "conditionNotMet";
            default -> "invalid";
        };
    }

    /** The request body; the client gzips JSON metadata it sends. */
    private static InputStream body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        return "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding")) ? new GZIPInputStream(in) : in;
    }

    private static void drain(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                break;
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                query.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return query;
    }

    /** Percent-decoding as in a URI path: '+' stays '+'. */
    private static String decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == '%' && i + 2 < text.length()) {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int next = text.indexOf('%', i + 1);
                int end = next < 0 ? text.length() : next;
                out.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
