package io.submarine.bench.metrics;

import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.testing.Fixtures;
import io.submarine.storage.testing.S3ProxyServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What shipping event files costs, beside what users do today: tensorboardX writing straight to
 * S3 (its own writer uploads the whole file at every flush) against tensorboardX writing locally
 * with the sidecar shipping it, both to s3proxy, for the same simulated hour of training. Bytes
 * uploaded, uploads, write-to-visible lag; then the sidecar's RSS and idle CPU with 100 runs of
 * 10 event files each.
 */
public final class ShippingBenchmark {
    private ShippingBenchmark() {}

    private static final Map<String, String> POD = Map.of("POD_NAMESPACE", "bench", "POD_NAME", "train-0", "POD_UID", "0000-bench",
            "SUBMARINE_OWNER_KIND", "experiment", "SUBMARINE_OWNER_NAME", "hour");
    private static final String REMOTE_LOGDIR = "pods/bench/experiment/hour/train-0/0000-bench/tfevents";

    /** One flush of the writer: when it began and ended, and the event file's bytes after it. */
    private record Flush(double began, double ended, long bytes) {}

    /** When storage was seen holding how many bytes of the run. */
    private record Seen(double at, long bytes) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path work = Files.createDirectories(Path.of(options.get("work")));
        Path python = Path.of(options.get("python"));
        Path simulate = Path.of(options.get("simulate"));
        Path sidecarJar = Path.of(options.get("sidecar-jar"));
        int flushes = Integer.parseInt(options.getOrDefault("flushes", "120"));
        double interval = Double.parseDouble(options.getOrDefault("interval", "0.5"));
        int steps = Integer.parseInt(options.getOrDefault("steps", "100"));
        if (options.getOrDefault("parts", "hour,scale").contains("hour")) {
            hour(work, python, simulate, sidecarJar, options.get("s3proxy-jar"), flushes, interval, steps);
        }
        if (options.getOrDefault("parts", "hour,scale").contains("scale")) {
            scale(work, sidecarJar);
        }
    }

    /** The simulated hour, to S3 by tensorboardX itself and by the sidecar. */
    private static void hour(Path work, Path python, Path simulate, Path sidecarJar, String s3proxyJar, int flushes, double interval, int steps)
            throws Exception {
        System.setProperty("s3proxy.jar", s3proxyJar);
        Fixtures.deleteTree(work.resolve("s3proxy"));
        try (S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3proxy"), "bench")) {
            Map<String, String> credentials = S3ProxyServer.credentialFiles(work.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL);
            Map<String, String> settings = new HashMap<>(credentials);
            settings.put("s3.endpoint", s3.endpoint());
            Map<String, String> awsEnvironment = Map.of("S3_ENDPOINT", s3.endpoint(), "AWS_ACCESS_KEY_ID", S3ProxyServer.IDENTITY,
                    "AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL, "AWS_REGION", "us-east-1");

            List<Flush> peer = simulate(python, simulate, "s3://bench/peer/run", flushes, interval, steps, awsEnvironment);
            long peerBytes = peer.stream().mapToLong(Flush::bytes).sum();
            long peerFile = peer.get(peer.size() - 1).bytes();
            List<Double> peerLags = peer.stream().map(f -> f.ended() - f.began()).toList();

            Path logdir = work.resolve("logdir");
            Fixtures.deleteTree(logdir);
            Fixtures.deleteTree(work.resolve("sidecar-work"));
            List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                    sidecarJar.toString(), "--storage-uri", "s3://bench/pods", "--logdir", logdir.toString(), "--work-dir",
                    work.resolve("sidecar-work").toString(), "--health-port", "0", "--flush-interval", Math.round(interval * 1000) + "ms",
                    "--poll-interval", Math.max(50, Math.round(interval * 200)) + "ms"));
            settings.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
            Path sidecarLog = work.resolve("sidecar.log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(sidecarLog.toFile());
            builder.environment().putAll(POD);
            Process sidecar = builder.start();
            int port = healthPort(sidecar, sidecarLog);
            try (BlobStores store = BlobStores.load(StorageConfig.of(settings))) {
                Location remote = Location.of("s3://bench/" + REMOTE_LOGDIR);
                List<Seen> seen = new CopyOnWriteArrayList<>();
                Thread poller = new Thread(() -> poll(store, remote, seen), "storage-poller");
                poller.setDaemon(true);
                poller.start();
                List<Flush> ours = simulate(python, simulate, logdir.resolve("run").toString(), flushes, interval, steps, Map.of());
                long file = ours.get(ours.size() - 1).bytes();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                while ((seen.isEmpty() || seen.get(seen.size() - 1).bytes() < file) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                poller.interrupt();
                List<Double> lags = new ArrayList<>();
                for (Flush flush : ours) {
                    seen.stream().filter(s -> s.bytes() >= flush.bytes()).findFirst().ifPresent(s -> lags.add(Math.max(0, s.at() - flush.ended())));
                }
                String metrics = get("http://127.0.0.1:" + port + "/metrics");
                double shipped = metric(metrics, "metrics_sidecar_shipped_bytes_total");
                double pieces = metric(metrics, "metrics_sidecar_pieces_total");
                double errors = metric(metrics, "metrics_sidecar_upload_errors_total");
                long hwm = status(sidecar.pid(), "VmHWM");
                sidecar.destroy();
                int exit = sidecar.waitFor(60, TimeUnit.SECONDS) ? sidecar.exitValue() : -1;

                System.out.printf("Simulated hour: %d flushes %.1f s apart (30 s in a real hour, time compressed) and the close, %d steps each of ten "
                        + "scalars and a histogram every tenth step; tensorboardX writes both runs. Lag: from the end of a flush until storage holds "
                        + "its bytes (polled every 100 ms); the peer's is how long its flush blocked the training loop uploading.%n%n", flushes, interval, steps);
                System.out.println("| how | event file bytes | bytes uploaded | uploaded / file | uploads | lag p50 s | lag p99 s |");
                System.out.println("|---|---:|---:|---:|---:|---:|---:|");
                System.out.printf("| tensorboardX straight to S3 (peer) | %d | %d | %.2f | %d | %.2f | %.2f |%n", peerFile, peerBytes,
                        (double) peerBytes / peerFile, peer.size(), percentile(peerLags, 50), percentile(peerLags, 99));
                System.out.printf("| tensorboardX locally + metrics-sidecar | %d | %.0f | %.2f | %.0f (+%.0f failed) | %.2f | %.2f |%n", file, shipped,
                        shipped / file, pieces, errors, percentile(lags, 50), percentile(lags, 99));
                System.out.printf("%nSidecar: peak RSS %d MiB, exit %d after SIGTERM; %d of %d flushes seen in storage.%n", hwm >> 10, exit, lags.size(),
                        ours.size());
            }
        }
    }

    /** 100 runs of 10 event files each, shipped to file://: peak RSS, and CPU while nothing is written. */
    private static void scale(Path work, Path sidecarJar) throws Exception {
        Path logdir = work.resolve("many");
        Fixtures.deleteTree(logdir);
        Fixtures.deleteTree(work.resolve("many-remote"));
        Fixtures.deleteTree(work.resolve("many-work"));
        byte[] events = Files.readAllBytes(firstEventFile(work.resolve("logdir")));
        byte[] sample = Arrays.copyOf(events, Math.min(events.length, 64 << 10));
        // Whole records only: cut the sample at the last record boundary within it.
        int end = 0;
        while (end + 12 <= sample.length) {
            long length = ByteBuffer.wrap(sample, end, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (end + 16 + length > sample.length) {
                break;
            }
            end += (int) (16 + length);
        }
        for (int run = 0; run < 100; run++) {
            Path dir = Files.createDirectories(logdir.resolve("run-" + run));
            for (int file = 0; file < 10; file++) {
                Files.write(dir.resolve("events.out.tfevents.1700000000.host." + run + "." + file), Arrays.copyOf(sample, end));
            }
        }
        Path log = work.resolve("many.log");
        ProcessBuilder builder = new ProcessBuilder(javaBin(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", sidecarJar.toString(),
                "--storage-uri", work.resolve("many-remote").toUri().toString(), "--logdir", logdir.toString(), "--work-dir",
                work.resolve("many-work").toString(), "--health-port", "0").redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(POD);
        Process sidecar = builder.start();
        int port = healthPort(sidecar, log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        double expected = 1000.0 * end;
        while (metric(get("http://127.0.0.1:" + port + "/metrics"), "metrics_sidecar_shipped_bytes_total") < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        double shipped = metric(get("http://127.0.0.1:" + port + "/metrics"), "metrics_sidecar_shipped_bytes_total");
        long before = cpuTicks(sidecar.pid());
        Thread.sleep(60_000);
        long ticks = cpuTicks(sidecar.pid()) - before;
        long hwm = status(sidecar.pid(), "VmHWM");
        long rss = status(sidecar.pid(), "VmRSS");
        sidecar.destroy();
        sidecar.waitFor(60, TimeUnit.SECONDS);
        System.out.printf("%n| 100 runs x 10 event files (file://, default flags) | value | target |%n|---|---:|---:|%n");
        System.out.printf("| bytes shipped of the 1,000 files | %.0f of %.0f | all |%n", shipped, expected);
        System.out.printf("| peak RSS (VmHWM) MiB | %d | 128 |%n", hwm >> 10);
        System.out.printf("| RSS after shipping, idle, MiB | %d | |%n", rss >> 10);
        System.out.printf("| CPU while idle, share of one core over 60 s | %.2f %% | < 2 %% |%n", ticks / 100.0 / 60 * 100);
    }

    private static List<Flush> simulate(Path python, Path script, String target, int flushes, double interval, int steps,
            Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(python.toString(), script.toString(), target, Integer.toString(flushes), Double.toString(interval),
                Integer.toString(steps)).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        Process process = builder.start();
        List<Flush> result = new ArrayList<>();
        Pattern line = Pattern.compile("\\{\"began\": ([0-9.]+), \"ended\": ([0-9.]+), \"bytes\": (\\d+)}");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String text = out.readLine(); text != null; text = out.readLine()) {
                Matcher matcher = line.matcher(text);
                if (matcher.matches()) {
                    result.add(new Flush(Double.parseDouble(matcher.group(1)), Double.parseDouble(matcher.group(2)), Long.parseLong(matcher.group(3))));
                }
            }
        }
        if (process.waitFor() != 0 || result.size() != flushes + 1) {
            throw new IOException("simulate.py " + target + " failed with " + process.exitValue() + " after " + result.size() + " flushes");
        }
        return result;
    }

    private static void poll(BlobStore store, Location remote, List<Seen> seen) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                long bytes = 0;
                BlobIterator listing = store.list(remote.asDirectory());
                while (listing.hasNext()) {
                    BlobInfo info = listing.next();
                    if (!info.location().fileName().equals("_COMPLETE")) {
                        bytes += info.size();
                    }
                }
                seen.add(new Seen(System.currentTimeMillis() / 1000.0, bytes));
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // Listed again on the next poll.
            }
        }
    }

    private static double percentile(List<Double> values, int percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private static int healthPort(Process process, Path log) throws Exception {
        Pattern serving = Pattern.compile("/metrics on port (\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            Matcher matcher = serving.matcher(text);
            if (matcher.find() && text.contains("shipping the event files under")) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!process.isAlive()) {
                throw new IOException("metrics-sidecar exited: " + text);
            }
            Thread.sleep(50);
        }
        throw new IOException("metrics-sidecar did not start; see " + log);
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    /** A /proc/PID/status field in KiB. */
    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no " + field + " for process " + pid);
    }

    /** User and system CPU of a process, in clock ticks (100 a second on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static Path firstEventFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().contains("tfevents")).findFirst().orElseThrow();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
