package io.submarine.bench.metastore;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load on a running metastore from a second process on loopback: metric points per second through
 * batched reports and through MLflow log-batch (closed loop, N senders), and the latency of single
 * reports sent at a fixed rate (open loop: latency counts from when a request was due, so a slow
 * server can't hide its queue).
 */
public final class MetastoreLoad {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final String token;
    private final AtomicLong keys = new AtomicLong();
    private final String runTag = Long.toString(System.nanoTime());
    /** Batch numbers, unique across phases: a reused idempotency key would be a cheap no-op. */
    private final AtomicLong batchNumbers = new AtomicLong();

    private MetastoreLoad(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        MetastoreLoad load = new MetastoreLoad(options.get("url"), options.get("token"));
        String label = options.getOrDefault("label", "metastore");
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
        int senders = Integer.parseInt(options.getOrDefault("senders", "4"));
        // Latency first, after a short warm-up, so the bulk phases' background work doesn't land in it.
        load.latencyAtRate(500, 2);
        double[] latency = load.latencyAtRate(500, seconds);
        // Each bulk phase gets a short warm-up too, so the JIT compiling its paths isn't in the figure.
        load.pointsPerSecond(senders, 3, load::metricReport);
        double reports = load.pointsPerSecond(senders, seconds, load::metricReport);
        String runId = load.mlflowRun();
        load.pointsPerSecond(senders, 3, i -> load.logBatch(runId, i));
        double mlflow = load.pointsPerSecond(senders, seconds, i -> load.logBatch(runId, i));
        System.out.printf("| %s | %,.0f | %,.0f | %.1f | %.1f | %d |%n", label, reports, mlflow, latency[0], latency[1], (long) latency[2]);
    }

    /** A request body and the points it carries. */
    record Batch(String path, String idempotencyKey, String body, int points) {}

    interface BatchMaker {
        Batch make(long sequence);
    }

    private Batch metricReport(long sequence) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            long step = sequence * 1000 + i;
            points.append(i == 0 ? "" : ",").append("{\"key\":\"loss\",\"value\":").append(1.0 / (step + 1))
                    .append(",\"step\":").append(step).append(",\"timestamp\":").append(1_700_000_000_000L + step).append('}');
        }
        String body = "{\"namespace\":\"bench\",\"pod\":\"trainer-0\",\"podUid\":\"uid\",\"container\":\"metrics-sidecar\",\"restart\":0,"
                + "\"ownerKind\":\"experiment\",\"ownerName\":\"bench-" + runTag + "\",\"payload\":{\"points\":[" + points + "]}}";
        return new Batch("/api/v1/reports/metric-points", runTag + "-" + sequence, body, 1000);
    }

    private Batch logBatch(String runId, long sequence) {
        StringBuilder metrics = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            long step = sequence * 1000 + i;
            metrics.append(i == 0 ? "" : ",").append("{\"key\":\"acc\",\"value\":").append(1.0 - 1.0 / (step + 2))
                    .append(",\"timestamp\":").append(1_700_000_000_000L + step).append(",\"step\":").append(step).append('}');
        }
        return new Batch("/api/2.0/mlflow/runs/log-batch", null, "{\"run_id\":\"" + runId + "\",\"metrics\":[" + metrics + "]}", 1000);
    }

    private HttpRequest request(Batch batch) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + batch.path())).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(batch.body()));
        if (batch.idempotencyKey() != null) {
            request.header("Idempotency-Key", batch.idempotencyKey());
        }
        return request.build();
    }

    /**
     * Points/s of {@code senders} posting batches for {@code seconds}. The request bodies are made
     * before the clock starts (formatting a million doubles costs this JVM more CPU than the server
     * spends storing them, on the same two cores); more are made on the fly if the server outruns them.
     */
    private double pointsPerSecond(int senders, int seconds, BatchMaker maker) throws Exception {
        int prepared = 250 * seconds;
        List<HttpRequest> requests = new ArrayList<>(prepared);
        List<Integer> sizes = new ArrayList<>(prepared);
        for (int i = 1; i <= prepared; i++) {
            Batch batch = maker.make(batchNumbers.incrementAndGet());
            requests.add(request(batch));
            sizes.add(batch.points());
        }
        AtomicLong sequence = new AtomicLong();
        AtomicLong points = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            running.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    long next = sequence.incrementAndGet();
                    HttpRequest request;
                    int size;
                    if (next <= prepared) {
                        request = requests.get((int) next - 1);
                        size = sizes.get((int) next - 1);
                    } else {
                        Batch batch = maker.make(batchNumbers.incrementAndGet());
                        request = request(batch);
                        size = batch.points();
                    }
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() >= 300) {
                        throw new IllegalStateException(request.uri().getPath() + " answered " + response.statusCode() + ": " + response.body());
                    }
                    points.addAndGet(size);
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
        return points.get() / ((System.nanoTime() - start) / 1e9);
    }

    private String mlflowRun() throws Exception {
        String experiment = post("/api/2.0/mlflow/experiments/create", "{\"name\":\"bench-" + runTag + "\"}");
        Matcher id = Pattern.compile("\"experiment_id\":\"(\\d+)\"").matcher(experiment);
        id.find();
        String run = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\":\"" + id.group(1) + "\"}");
        Matcher runId = Pattern.compile("\"run_id\":\"([0-9a-f]+)\"").matcher(run);
        runId.find();
        return runId.group(1);
    }

    private String post(String path, String body) throws Exception {
        return http.send(request(new Batch(path, null, body, 0)), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** p50 and p99 in ms of single reports due every 1/rate seconds, and how many were sent. */
    private double[] latencyAtRate(int perSecond, int seconds) throws Exception {
        int total = perSecond * seconds;
        long interval = 1_000_000_000L / perSecond;
        double[] millis = new double[total];
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            int index = i;
            String body = "{\"namespace\":\"bench\",\"pod\":\"trainer-0\",\"podUid\":\"uid\",\"container\":\"localizer\",\"restart\":0,"
                    + "\"ownerKind\":\"experiment\",\"ownerName\":\"bench\",\"payload\":{\"source\":\"s" + i + "\"}}";
            Batch batch = new Batch("/api/v1/reports/lifecycle", runTag + "-single-" + keys.incrementAndGet(), body, 0);
            pending.add(http.sendAsync(request(batch), HttpResponse.BodyHandlers.discarding()).thenAccept(response -> {
                if (response.statusCode() >= 300) {
                    throw new IllegalStateException("single report answered " + response.statusCode());
                }
                millis[index] = (System.nanoTime() - due) / 1e6;
            }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
        Arrays.sort(millis);
        return new double[] {millis[total / 2], millis[(int) Math.ceil(total * 0.99) - 1], total};
    }
}
