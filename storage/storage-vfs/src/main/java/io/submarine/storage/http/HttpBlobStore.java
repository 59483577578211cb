package io.submarine.storage.http;

import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.BlobTransientException;
import io.submarine.storage.BoundedInputStream;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Read-only {@code http(s)://} sources on the JDK's HTTP client: stat (HEAD), whole and ranged
 * reads (GET with {@code Range}), with headers from a file (a bearer token, say) and a password
 * in the URL sent as basic authentication, never as part of a logged URL. Commons VFS can't send
 * custom headers, which model and archive hosts often need, so http lives here instead.
 *
 * <p>Redirects are followed here, not by the client, which sends every header on to wherever it
 * is redirected: a release download redirected to a signed URL on another host would get the
 * token, and the other host may refuse a request that carries two credentials. As curl and
 * browsers do, the credentials go to the URL's own origin only, and https is never left for http.
 */
final class HttpBlobStore implements BlobStore {

    /** As many as the JDK's client follows. */
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient client;
    private final Map<String, String> headers;
    private final Duration readTimeout;

    /**
     * @param client one that does not follow redirects itself
     * @param readTimeout the longest wait for a response's headers, and for each read of its body
     */
    HttpBlobStore(HttpClient client, Map<String, String> headers, Duration readTimeout) {
        this.client = client;
        this.headers = Map.copyOf(headers);
        this.readTimeout = readTimeout;
    }

    /** How a request is made, on top of its URI and credentials: method, range. */
    @FunctionalInterface
    private interface Shape {
        HttpRequest build(HttpRequest.Builder builder);
    }

    /** The request URI: the path percent-encoded where it must be, the query (a signed URL's) as given, no fragment. */
    private static URI uri(Location location) {
        String userInfo = userInfo(location);
        String host = userInfo == null ? location.authority() : location.authority().substring(userInfo.length() + 1);
        String path = location.path().replaceFirst("#.*$", "");
        int question = path.indexOf('?');
        String query = question < 0 ? "" : "?" + encode(path.substring(question + 1), "/?");
        return URI.create(location.scheme() + "://" + host + "/" + encode(question < 0 ? path : path.substring(0, question), "/") + query);
    }

    private static String userInfo(Location location) {
        return location.authority().contains("@") ? location.authority().substring(0, location.authority().lastIndexOf('@')) : null;
    }

    /** A request to {@code uri}, with the credentials when it is the location's own origin. */
    private HttpRequest.Builder request(Location location, URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(readTimeout);
        if (sameOrigin(uri, uri(location))) {
            headers.forEach(builder::header);
            String userInfo = userInfo(location);
            if (userInfo != null) {
                builder.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(decode(userInfo).getBytes(StandardCharsets.UTF_8)));
            }
        }
        return builder;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** Keys are literal; a URL is percent-encoded, so encode what must be (what is encoded already stays so). */
    private static String encode(String text, String alsoAllowed) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@%".indexOf(c) >= 0
                    || alsoAllowed.indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String decode(String userInfo) {
        return java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Sends the request, following redirects (the target is never logged: a signed URL holds a credential). */
    private <T> HttpResponse<T> send(Location location, Shape shape, HttpResponse.BodyHandler<T> body) throws IOException {
        URI uri = uri(location);
        for (int redirects = 0; ; redirects++) {
            HttpResponse<T> response = send(location, shape.build(request(location, uri)), body);
            Optional<String> next = response.headers().firstValue("Location");
            if (!isRedirect(response.statusCode()) || next.isEmpty()) {
                return response;
            }
            if (response.body() instanceof InputStream unread) {
                unread.close();
            }
            if (redirects == MAX_REDIRECTS) {
                throw new BlobFatalException(location, "more than " + MAX_REDIRECTS + " redirects");
            }
            URI target;
            try {
                target = uri.resolve(next.get());
            } catch (IllegalArgumentException e) {
                throw new BlobFatalException(location, "redirected to a malformed URL");
            }
            String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !(scheme.equals("http") && uri.getScheme().equalsIgnoreCase("http"))) {
                throw new BlobFatalException(location, "redirected from " + uri.getScheme() + " to " + (scheme.isEmpty() ? "a URL without a scheme" : scheme)
                        + ", which is not followed");
            }
            uri = target;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private <T> HttpResponse<T> send(Location location, HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return client.send(request, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading " + location);
        } catch (IOException e) {
            throw new BlobTransientException(location, "HTTP request failed: " + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        HttpResponse<Void> head = send(location, b -> b.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() == 405 || head.statusCode() == 501) {
            // No HEAD here: ask for the first byte and read the size from Content-Range.
            HttpResponse<InputStream> first = send(location, b -> b.header("Range", "bytes=0-0").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try {
                check(location, first.statusCode());
                long size = first.headers().firstValue("Content-Range").map(r -> Long.parseLong(r.substring(r.indexOf('/') + 1)))
                        .orElse(first.headers().firstValueAsLong("Content-Length").orElse(0));
                return info(location, first, size);
            } finally {
                first.body().close();
            }
        }
        check(location, head.statusCode());
        OptionalLong length = head.headers().firstValueAsLong("Content-Length");
        return info(location, head, length.orElse(0));
    }

    private static BlobInfo info(Location location, HttpResponse<?> response, long size) {
        Instant modified = response.headers().firstValue("Last-Modified")
                .map(v -> ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).orElse(Instant.EPOCH);
        return new BlobInfo(location, size, modified, response.headers().firstValue("ETag").orElse(null));
    }

    @Override
    public InputStream open(Location location) throws IOException {
        HttpResponse<InputStream> response = send(location, b -> b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        return body(location, response);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        if (length == 0) {
            stat(location);
            return InputStream.nullInputStream();
        }
        String last = length > Long.MAX_VALUE - offset ? "" : Long.toString(offset + length - 1);
        HttpResponse<InputStream> response = send(location, b -> b.header("Range", "bytes=" + offset + "-" + last).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 416) {
            response.body().close();
            stat(location);
            return InputStream.nullInputStream();
        }
        InputStream in = body(location, response);
        if (response.statusCode() == 200) {
            // The server ignored the range and sends everything: skip to the offset ourselves.
            in.skipNBytes(offset);
        }
        return new BoundedInputStream(in, length);
    }

    private InputStream body(Location location, HttpResponse<InputStream> response) throws IOException {
        if (response.statusCode() >= 300) {
            response.body().close();
            check(location, response.statusCode());
        }
        return new StallGuardedInputStream(response.body(), location, readTimeout);
    }

    private static void check(Location location, int status) throws BlobStoreException {
        if (status < 300) {
            return;
        }
        String reason = "HTTP " + status;
        if (status == 404 || status == 410) {
            throw new BlobNotFoundException(location, reason);
        }
        if (status == 401 || status == 403) {
            throw new BlobAccessDeniedException(location, reason + ": check the credentials or headers file");
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw new BlobTransientException(location, reason);
        }
        throw new BlobFatalException(location, reason);
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        throw readOnly(location);
    }

    @Override
    public void delete(Location location) throws IOException {
        throw readOnly(location);
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        throw new BlobFatalException(directory, directory.scheme() + ":// cannot be listed; name each file");
    }

    private static BlobFatalException readOnly(Location location) {
        return new BlobFatalException(location, location.scheme() + ":// is a read-only source; write to file, hdfs, s3, gs or abfs(s) instead");
    }
}
