package io.submarine.logshipper;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The two endpoints of the Kubernetes API the shipper calls, served as the API server serves
 * them, because no API server runs on the build machines: HTTPS with a certificate from a CA
 * file, a bearer token, the pod with its containers' restart counts and states, and
 * {@code pods/log} with {@code follow} (chunked, held open while the container runs),
 * {@code timestamps} (RFC 3339 with nanoseconds before each line), {@code sinceTime} (whole
 * seconds, inclusive) and {@code previous} (the run before the last restart).
 */
final class FakeKubeApi implements AutoCloseable {

    private record Line(Instant time, String text) {}

    /** One run of a container: its lines, and whether it has ended. */
    private static final class Run {
        final List<Line> lines = new ArrayList<>();
        boolean ended;
    }

    private final String namespace;
    private final String pod;
    private final String token;
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Path caFile;
    private final Map<String, List<Run>> containers = new HashMap<>();
    private final Map<String, Boolean> terminated = new HashMap<>();
    private int connectionGeneration;
    private Instant lastTime = Instant.EPOCH;

    FakeKubeApi(Path dir, String namespace, String pod, String token) throws Exception {
        this.namespace = namespace;
        this.pod = pod;
        this.token = token;
        Path keystore = dir.resolve("api-server.p12");
        caFile = dir.resolve("ca.crt");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "api", "-keyalg", "EC", "-dname", "CN=kubernetes", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "changeit", "-file", caFile.toString());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(executor);
        server.createContext("/api/v1/namespaces/" + namespace + "/pods/" + pod, this::handle);
        server.start();
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    Path caFile() {
        return caFile;
    }

    synchronized void start(String container) {
        containers.computeIfAbsent(container, c -> new ArrayList<>()).add(new Run());
        terminated.put(container, false);
        notifyAll();
    }

    /** The container writes a line to stdout, stamped now (strictly after the last one). */
    synchronized void log(String container, String text) {
        Instant now = Instant.now();
        lastTime = now.isAfter(lastTime) ? now : lastTime.plusNanos(1);
        current(container).lines.add(new Line(lastTime, text));
        notifyAll();
    }

    /** The container exits and the kubelet starts it again. */
    synchronized void restart(String container) {
        current(container).ended = true;
        start(container);
    }

    synchronized void terminate(String container) {
        current(container).ended = true;
        terminated.put(container, true);
        notifyAll();
    }

    /** Cuts every open log connection, as a load balancer or an API server restart does. */
    synchronized void dropConnections() {
        connectionGeneration++;
        notifyAll();
    }

    /** Everything a run of the container wrote, as {@code kubectl logs} prints it. */
    synchronized byte[] written(String container, int restart) {
        StringBuilder text = new StringBuilder();
        for (Line line : containers.get(container).get(restart).lines) {
            text.append(line.text()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Run current(String container) {
        List<Run> runs = containers.get(container);
        return runs.get(runs.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/log")) {
                streamLog(exchange);
            } else {
                respond(exchange, 200, podJson());
            }
        }
    }

    private synchronized String podJson() {
        StringBuilder statuses = new StringBuilder();
        for (Map.Entry<String, List<Run>> container : containers.entrySet()) {
            if (statuses.length() > 0) {
                statuses.append(',');
            }
            String state = terminated.get(container.getKey()) ? "{\"terminated\":{\"exitCode\":0}}" : "{\"running\":{}}";
            statuses.append(String.format("{\"name\":\"%s\",\"restartCount\":%d,\"state\":%s}", container.getKey(), container.getValue().size() - 1, state));
        }
        return String.format("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"status\":{\"containerStatuses\":[%s]}}", pod,
                namespace, statuses);
    }

    private void streamLog(HttpExchange exchange) throws IOException {
        Map<String, String> query = new HashMap<>();
        for (String pair : exchange.getRequestURI().getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
        }
        String container = query.get("container");
        Run run;
        int generation;
        synchronized (this) {
            List<Run> runs = containers.get(container);
            boolean previous = "true".equals(query.get("previous"));
            if (runs == null || (previous && runs.size() < 2)) {
                respond(exchange, 400, "{\"kind\":\"Status\",\"message\":\"previous terminated container not found\",\"code\":400}");
                return;
            }
            run = previous ? runs.get(runs.size() - 2) : runs.get(runs.size() - 1);
            generation = connectionGeneration;
        }
        Instant since = query.containsKey("sinceTime") ? Instant.parse(query.get("sinceTime")) : Instant.EPOCH;
        boolean follow = "true".equals(query.get("follow"));
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        int next = 0;
        while (true) {
            List<Line> batch = new ArrayList<>();
            synchronized (this) {
                while (next == run.lines.size() && follow && !run.ended && generation == connectionGeneration) {
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (generation != connectionGeneration) {
                    return;
                }
                while (next < run.lines.size()) {
                    batch.add(run.lines.get(next++));
                }
                if (batch.isEmpty() && (!follow || run.ended)) {
                    out.close();
                    return;
                }
            }
            for (Line line : batch) {
                if (!line.time().isBefore(since)) {
                    out.write((line.time() + " " + line.text() + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            out.flush();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
