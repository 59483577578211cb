package io.submarine.localizer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Git's smart HTTP protocol, served by the real {@code git http-backend} as a CGI program behind
 * the JDK's HTTP server, with basic authentication in front, as a git forge does.
 */
public final class SmartHttpGitServer implements AutoCloseable {

    private final HttpServer server;
    private final Path projectRoot;
    private final String user;
    private final String password;
    private final java.util.concurrent.atomic.AtomicInteger refAdvertisements = new java.util.concurrent.atomic.AtomicInteger();

    public SmartHttpGitServer(Path projectRoot, String user, String password) throws IOException {
        this.projectRoot = projectRoot;
        this.user = user;
        this.password = password;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url(String repository) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + repository;
    }

    /** How many times a client was sent the refs (GET info/refs), each the start of an ls-remote, fetch or clone. */
    public int refAdvertisements() {
        return refAdvertisements.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"git\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            if (exchange.getRequestURI().getPath().endsWith("/info/refs")) {
                refAdvertisements.incrementAndGet();
            }
            ProcessBuilder cgi = new ProcessBuilder("git", "http-backend");
            Map<String, String> env = cgi.environment();
            env.put("GIT_PROJECT_ROOT", projectRoot.toString());
            env.put("GIT_HTTP_EXPORT_ALL", "1");
            env.put("REQUEST_METHOD", exchange.getRequestMethod());
            env.put("PATH_INFO", exchange.getRequestURI().getPath());
            env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
            env.put("REMOTE_USER", user);
            env.put("REMOTE_ADDR", "127.0.0.1");
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null) {
                env.put("CONTENT_TYPE", contentType);
            }
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            if (encoding != null) {
                env.put("HTTP_CONTENT_ENCODING", encoding);
            }
            String protocol = exchange.getRequestHeaders().getFirst("Git-Protocol");
            if (protocol != null) {
                env.put("GIT_PROTOCOL", protocol);
            }
            Process process = cgi.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream stdin = process.getOutputStream(); InputStream body = exchange.getRequestBody()) {
                body.transferTo(stdin);
            }
            InputStream stdout = process.getInputStream();
            int status = 200;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = stdout.read()) >= 0; ) {
                if (b == '\n') {
                    String header = line.toString(StandardCharsets.UTF_8).replace("\r", "");
                    line.reset();
                    if (header.isEmpty()) {
                        break;
                    }
                    int colon = header.indexOf(':');
                    String name = header.substring(0, colon).trim();
                    String value = header.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("Status")) {
                        status = Integer.parseInt(value.split(" ")[0]);
                    } else {
                        exchange.getResponseHeaders().add(name, value);
                    }
                } else {
                    line.write(b);
                }
            }
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                stdout.transferTo(out);
            }
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
