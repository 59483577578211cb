package io.submarine.bench.logshipper;

import io.submarine.bench.storage.MiniDfsServer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Ships one large log file with {@code log-shipper.jar} (its own JVM, as in a pod) to
 * {@code file://} and to HDFS (MiniDFSCluster in its own JVM), and compresses the same file with
 * {@code zstd -1 -c} and {@code gzip -1 -c} to the same disk, in one run. Then ships a steady
 * 1 MB/s for 30 s and reports the shipper's share of a core.
 */
public final class LogShipperBenchmark {

    /**
     * The pod's identity, and the memory settings a sidecar image runs the JVM with: few malloc
     * arenas (the zstd workers and JVM threads would each get one) and a small serial-GC heap.
     */
    private static final Map<String, String> POD = Map.of("POD_NAMESPACE", "bench", "POD_NAME", "bench-0", "POD_UID", "bench-uid", "MALLOC_ARENA_MAX", "2");

    private final Path work;
    private final long size;
    private final Path shipperJar;
    private final String classpath;

    private LogShipperBenchmark(Path work, long size, Path shipperJar, String classpath) {
        this.work = work;
        this.size = size;
        this.shipperJar = shipperJar;
        this.classpath = classpath;
    }

    /**
     * Wall seconds, CPU seconds (user + system) and peak RSS of one run.
     *
     * @param firstReadSeconds for the shipper, when /metrics first showed bytes read (start-up); NaN for the baselines
     * @param benchCpuSeconds for the shipper, CPU this process used meanwhile (polling), on the same cores; NaN for the baselines
     */
    private record Run(String what, double seconds, double cpuSeconds, long peakRssKib, double firstReadSeconds, double benchCpuSeconds) {}

    /**
     * The shipper's JVM as the README has the image run it for file:// and HDFS (the two targets
     * here); SHIPPER_JAVA_OPTS replaces the flags, to try others.
     */
    private static List<String> shipperJava() {
        String options = System.getenv().getOrDefault("SHIPPER_JAVA_OPTS", "-Xmx40m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(List.of(options.trim().split("\\s+")));
        return command;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        new LogShipperBenchmark(Path.of(options.get("--work")), Long.parseLong(options.get("--size-mib")) << 20, Path.of(options.get("--shipper-jar")),
                options.get("--classpath")).run();
    }

    private void run() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path log = logs.resolve("app.log");
        if (!Files.exists(log) || Files.size(log) < size) {
            generate(log);
        }
        long bytes = Files.size(log);
        List<Run> runs = new ArrayList<>();
        runs.add(baseline("zstd -1 -c", "zstd -1 -c '" + log + "' > '" + work.resolve("baseline.zst") + "'"));
        if (selected("gzip")) {
            runs.add(baseline("gzip -1 -c", "gzip -1 -c '" + log + "' > '" + work.resolve("baseline.gz") + "'"));
        }
        if (selected("file")) {
            runs.add(ship("log-shipper to file://", logs, work.resolve("remote").toUri().toString(), List.of()));
        }
        double hdfsServerCpu = Double.NaN;
        if (selected("hdfs")) {
            List<String> settings = List.of("--set", "hdfs.conf.dfs.client.block.write.replace-datanode-on-failure.enable=false");
            try (HdfsServer hdfs = new HdfsServer()) {
                // The same run once before, unmeasured: a cluster that has been serving has compiled its
                // code for these calls, a fresh one compiles during the first runs (a third of its CPU
                // after a smaller warm-up), on the two cores the shipper is measured on.
                ship("warm-up", logs, "hdfs://127.0.0.1:" + hdfs.port + "/warm-up", settings);
                hdfs.awaitQuiet();
                double before = hdfs.cpuSeconds();
                runs.add(ship("log-shipper to hdfs:// (MiniDFSCluster)", logs, "hdfs://127.0.0.1:" + hdfs.port + "/bench", settings));
                hdfsServerCpu = hdfs.cpuSeconds() - before;
            }
        }
        double zstd = runs.get(0).seconds();
        System.out.printf("Shipping %d MiB of log lines (%s), whole processes, page cache warm, %d cores%n%n", bytes >> 20, describe(log),
                Runtime.getRuntime().availableProcessors());
        System.out.println("| what | s | MB/s | CPU s per GB | throughput vs zstd -1 | peak RSS MiB | first line read at s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Run run : runs) {
            System.out.printf("| %s | %.2f | %.0f | %.2f | %.2f | %s | %s |%n", run.what(), run.seconds(), bytes / 1e6 / run.seconds(),
                    run.cpuSeconds() / (bytes / 1e9), zstd / run.seconds(), run.peakRssKib() > 0 ? Long.toString(run.peakRssKib() >> 10) : "",
                    Double.isNaN(run.firstReadSeconds()) ? "" : String.format("%.2f", run.firstReadSeconds()));
        }
        String benchCpu = runs.stream().filter(run -> !Double.isNaN(run.benchCpuSeconds()))
                .map(run -> String.format("%.2f", run.benchCpuSeconds())).collect(Collectors.joining(" / "));
        if (!benchCpu.isEmpty()) {
            System.out.printf("%nThis bench's own process (polling /metrics every 50 ms) used %s CPU s during the log-shipper runs.%n", benchCpu);
        }
        if (!Double.isNaN(hdfsServerCpu)) {
            System.out.printf("%nDuring the hdfs:// run the MiniDFSCluster's JVM used %.1f CPU s of the same two cores.%n", hdfsServerCpu);
        }
        System.out.println();
        if (selected("steady")) {
            steady(Files.createDirectories(work.resolve("steady")));
        }
    }

    /**
     * Whether a run was asked for: BENCH_RUNS lists some of gzip, file, hdfs, steady (all when
     * unset), to repeat one quickly; the zstd baseline always runs, as every ratio needs it.
     */
    private static boolean selected(String run) {
        String runs = System.getenv("BENCH_RUNS");
        return runs == null || List.of(runs.split(",")).contains(run);
    }

    /** Real-looking lines: timestamps, levels, loggers, messages of varied length, JSON, stack traces. */
    private void generate(Path log) throws IOException {
        String[] levels = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
        String[] loggers = {"trainer.loop", "torch.distributed", "data.loader", "mlflow.tracking", "tensorflow", "urllib3.connectionpool"};
        String[] words = "epoch step loss accuracy learning rate batch shard checkpoint saved gradient norm worker rank reduce allgather tokens per second memory allocated cuda device prefetch queue"
                .split(" ");
        Random random = new Random(42);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(log), 1 << 20)) {
            long written = 0;
            long step = 0;
            StringBuilder line = new StringBuilder(4096);
            while (written < size) {
                line.setLength(0);
                long millis = 1_795_000_000_000L + step * 37;
                line.append(java.time.Instant.ofEpochMilli(millis)).append(' ').append(levels[random.nextInt(levels.length)]).append(' ')
                        .append(loggers[random.nextInt(loggers.length)]).append(": ");
                int kind = random.nextInt(100);
                if (kind < 5) {
                    line.append("{\"step\":").append(step).append(",\"loss\":").append(random.nextDouble()).append(",\"lr\":").append(random.nextDouble() / 1000)
                            .append(",\"host\":\"worker-").append(random.nextInt(64)).append("\"}");
                } else if (kind < 7) {
                    line.append("Traceback (most recent call last):\n");
                    for (int i = 0; i < 8 + random.nextInt(12); i++) {
                        line.append("  File \"/code/trainer/").append(words[random.nextInt(words.length)]).append(".py\", line ").append(random.nextInt(900))
                                .append(", in ").append(words[random.nextInt(words.length)]).append('\n');
                    }
                    line.append("RuntimeError: CUDA out of memory. Tried to allocate ").append(random.nextInt(4096)).append(" MiB");
                } else {
                    int count = 3 + (int) Math.abs(random.nextGaussian() * 12);
                    for (int i = 0; i < count; i++) {
                        line.append(words[random.nextInt(words.length)]).append(i % 3 == 0 ? "=" + random.nextInt(100_000) : "").append(' ');
                    }
                }
                line.append('\n');
                byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
                out.write(bytes);
                written += bytes.length;
                step++;
            }
        }
    }

    private static String describe(Path log) throws IOException {
        long lines = 0;
        long bytes = 0;
        try (var in = Files.newInputStream(log)) {
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = in.read(buffer)) > 0 && bytes < (64L << 20)) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                bytes += read;
            }
        }
        return String.format("%.0f bytes per line on average", (double) bytes / lines);
    }

    private static void warm(Path file) throws Exception {
        new ProcessBuilder("sh", "-c", "sync && cat '" + file + "' > /dev/null").inheritIO().start().waitFor();
    }

    /** A shell command timed by the shell: wall, user and system seconds of its children. */
    private Run baseline(String what, String command) throws Exception {
        warm(work.resolve("logs/app.log"));
        Process process = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%R %U %S'; time (" + command + " && sync)").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        process.waitFor();
        String[] times = output.substring(output.lastIndexOf('\n') + 1).split(" ");
        return new Run(what, Double.parseDouble(times[0]), Double.parseDouble(times[1]) + Double.parseDouble(times[2]), 0, Double.NaN, Double.NaN);
    }

    /** Starts the shipper on the file, waits until it has read all of it, stops it with SIGTERM and waits for its exit. */
    private Run ship(String what, Path logs, String storageUri, List<String> settings) throws Exception {
        Path state = work.resolve("shipper-state");
        deleteTree(state);
        deleteTree(work.resolve("remote"));
        warm(logs.resolve("app.log"));
        int port = freePort();
        List<String> command = new ArrayList<>(shipperJava());
        command.addAll(List.of("-jar", shipperJar.toString(),
                "--files", "main=" + logs + "/app.log", "--storage-uri", storageUri, "--work-dir", state.toString(), "--health-address", "127.0.0.1",
                "--health-port", Integer.toString(port)));
        command.addAll(settings);
        // bash reports the CPU time of its child after it exits; the JVM's own figure dies with it.
        String script = "\"$@\" & child=$!; trap 'kill -TERM $child' TERM; wait $child; wait $child; times";
        List<String> wrapped = new ArrayList<>(List.of("bash", "-c", script, "shipper"));
        wrapped.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(wrapped).redirectError(work.resolve("shipper.log").toFile());
        builder.environment().putAll(POD);
        long start = System.nanoTime();
        double benchCpu = ownCpuSeconds();
        Process bash = builder.start();
        long peakRss = 0;
        long javaPid = -1;
        double firstRead = Double.NaN;
        double readBytes;
        // Polled every 50 ms: the start-up figure is that coarse.
        while ((readBytes = read(port, "logshipper_read_bytes_total")) < Files.size(logs.resolve("app.log"))) {
            if (readBytes > 0 && Double.isNaN(firstRead)) {
                firstRead = (System.nanoTime() - start) / 1e9;
            }
            if (!bash.isAlive()) {
                throw new IllegalStateException("log-shipper exited early; see " + work.resolve("shipper.log"));
            }
            if (javaPid < 0) {
                javaPid = bash.children().findFirst().map(ProcessHandle::pid).orElse(-1L);
            }
            peakRss = Math.max(peakRss, peakRss(javaPid));
            Thread.sleep(50);
        }
        peakRss = Math.max(peakRss, peakRss(javaPid));
        new ProcessBuilder("kill", "-TERM", Long.toString(bash.pid())).start().waitFor();
        String times = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = bash.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("log-shipper exited with " + exit + "; see " + work.resolve("shipper.log"));
        }
        // The second line of bash's `times` is its children's user and system time.
        Matcher cpu = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s").matcher(times.substring(times.lastIndexOf('\n') + 1));
        if (!cpu.find()) {
            throw new IllegalStateException("no CPU times from bash: " + times);
        }
        double cpuSeconds = Integer.parseInt(cpu.group(1)) * 60 + Double.parseDouble(cpu.group(2)) + Integer.parseInt(cpu.group(3)) * 60
                + Double.parseDouble(cpu.group(4));
        return new Run(what, seconds, cpuSeconds, peakRss, firstRead, ownCpuSeconds() - benchCpu);
    }

    private static double ownCpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(cpu -> cpu.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Appends 1 MB/s for 30 s while the shipper runs; the shipper's CPU over that window, per second. */
    private void steady(Path dir) throws Exception {
        deleteTree(work.resolve("shipper-state"));
        deleteTree(work.resolve("remote"));
        Path log = dir.resolve("steady.log");
        Files.deleteIfExists(log);
        Files.createFile(log);
        int port = freePort();
        List<String> command = new ArrayList<>(shipperJava());
        command.addAll(List.of("-jar", shipperJar.toString(), "--files", "main=" + dir + "/*.log", "--storage-uri", work.resolve("remote").toUri().toString(),
                "--work-dir", work.resolve("shipper-state").toString(), "--health-address", "127.0.0.1", "--health-port", Integer.toString(port)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(work.resolve("steady-shipper.log").toFile());
        builder.environment().putAll(POD);
        Process shipper = builder.start();
        while (read(port, "logshipper_read_bytes_total") < 0) {
            Thread.sleep(100);
        }
        byte[] chunk = firstLines(work.resolve("logs/app.log"), 100_000);
        int seconds = 30;
        double cpuStart = 0;
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
            for (int tick = 0; tick < (seconds + 5) * 10; tick++) {
                if (tick == 50) {
                    cpuStart = cpu(shipper);
                }
                out.write(chunk);
                out.flush();
                Thread.sleep(100);
            }
        }
        double used = cpu(shipper) - cpuStart;
        double shipped = read(port, "logshipper_read_bytes_total");
        shipper.destroy();
        shipper.waitFor();
        System.out.printf("Steady 1 MB/s for %d s (100 KB every 100 ms, after 5 s of warm-up): log-shipper used %.2f CPU s, %.2f%% of one core; "
                + "read %.0f MB in all.%n", seconds, used, 100 * used / seconds, shipped / 1e6);
    }

    private static byte[] firstLines(Path log, int bytes) throws IOException {
        try (var in = Files.newInputStream(log)) {
            byte[] head = in.readNBytes(bytes * 2);
            int end = bytes;
            while (end < head.length && head[end - 1] != '\n') {
                end++;
            }
            return java.util.Arrays.copyOf(head, end);
        }
    }

    private static double cpu(Process process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO).toNanos() / 1e9;
    }

    private static long peakRss(long pid) {
        if (pid < 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException gone) {
            // The process just ended.
        }
        return 0;
    }

    /**
     * A metric of the shipper's /metrics; -1 while it does not answer yet. A bare HTTP/1.0 request:
     * this polls every 50 ms on the cores the shipper is measured on, and the JDK's HttpClient cost
     * the bench a quarter of a CPU second per run.
     */
    static double read(int port, String metric) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /metrics HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String body = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String prefix = "\n" + metric + " ";
            int at = body.indexOf(prefix);
            if (at < 0) {
                return -1;
            }
            int end = body.indexOf('\n', at + prefix.length());
            return Double.parseDouble(body.substring(at + prefix.length(), end < 0 ? body.length() : end).strip());
        } catch (IOException notYet) {
            return -1;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** MiniDFSCluster in its own JVM (the storage bench's server). */
    private final class HdfsServer implements AutoCloseable {
        final int port;
        private final Process process;

        HdfsServer() throws Exception {
            Path base = work.resolve("dfs");
            deleteTree(base);
            Path portFile = work.resolve("dfs.port");
            Files.deleteIfExists(portFile);
            process = new ProcessBuilder("java", "-Xmx1g", "-cp", classpath, MiniDfsServer.class.getName(), base.toString(), portFile.toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("dfs.log").toFile()).start();
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Files.exists(portFile)) {
                if (System.nanoTime() > end || !process.isAlive()) {
                    throw new IllegalStateException("MiniDFSCluster did not start; see " + work.resolve("dfs.log"));
                }
                Thread.sleep(100);
            }
            port = Integer.parseInt(Files.readString(portFile).strip());
        }

        /**
         * Waits until the cluster's JVM has used under 20 ms of CPU in half a second: its JIT
         * compilers go on compiling the write path for seconds after the warm-up, on the cores the
         * shipper is about to be measured on.
         */
        private void awaitQuiet() throws InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            double before = cpuSeconds();
            do {
                Thread.sleep(500);
                double now = cpuSeconds();
                if (now - before < 0.02) {
                    return;
                }
                before = now;
            } while (System.nanoTime() < end);
            System.err.println("the MiniDFSCluster did not go quiet within 60 s; measuring anyway");
        }

        double cpuSeconds() {
            return process.toHandle().info().totalCpuDuration().map(cpu -> cpu.toNanos() / 1e9).orElse(Double.NaN);
        }

        @Override
        public void close() {
            process.destroyForcibly().onExit().join();
        }
    }
}
