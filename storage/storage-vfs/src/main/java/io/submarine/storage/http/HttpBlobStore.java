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
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Read-only {@code http(s)://} sources on the JDK's HTTP client: stat (HEAD), whole and ranged
 * reads (GET with {@code Range}), with headers from a file (a bearer token, say) and a password
 * in the URL sent as basic authentication, never as part of a logged URL. Commons VFS can't send
 * custom headers, which model and archive hosts often need, so http lives here instead.
 */
final class HttpBlobStore implements BlobStore {

    private final HttpClient client;
    private final Map<String, String> headers;

    HttpBlobStore(HttpClient client, Map<String, String> headers) {
        this.client = client;
        this.headers = Map.copyOf(headers);
    }

    private HttpRequest.Builder request(Location location) {
        String userInfo = location.authority().contains("@") ? location.authority().substring(0, location.authority().lastIndexOf('@')) : null;
        String host = userInfo == null ? location.authority() : location.authority().substring(userInfo.length() + 1);
        URI uri = URI.create(location.scheme() + "://" + host + "/" + encodePath(location.path()));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri);
        headers.forEach(builder::header);
        if (userInfo != null) {
            builder.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(decode(userInfo).getBytes(StandardCharsets.UTF_8)));
        }
        return builder;
    }

    /** Keys are literal; a URL's path is percent-encoded, so encode what must be. */
    private static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/!$&'()*+,;=:@%".indexOf(c) >= 0) {
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
        HttpResponse<Void> head = send(location, request(location).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() == 405 || head.statusCode() == 501) {
            // No HEAD here: ask for the first byte and read the size from Content-Range.
            HttpResponse<InputStream> first = send(location, request(location).header("Range", "bytes=0-0").GET().build(),
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
        HttpResponse<InputStream> response = send(location, request(location).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
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
        HttpResponse<InputStream> response = send(location, request(location).header("Range", "bytes=" + offset + "-" + last).GET().build(),
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

    private static InputStream body(Location location, HttpResponse<InputStream> response) throws IOException {
        if (response.statusCode() >= 300) {
            response.body().close();
            check(location, response.statusCode());
        }
        return response.body();
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
