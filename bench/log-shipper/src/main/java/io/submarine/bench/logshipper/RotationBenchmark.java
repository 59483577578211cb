package io.submarine.bench.logshipper;

import static io.submarine.bench.logshipper.LogShipperBenchmark.deleteTree;
import static io.submarine.bench.logshipper.LogShipperBenchmark.freePort;
import static io.submarine.bench.logshipper.LogShipperBenchmark.read;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Log rotation with restarts, our shipper beside a peer in one run: a task logs numbered lines
 * at 200 KB/s, reopening its file when the inode at its path changes (Python's WatchedFileHandler);
 * Debian's {@code logrotate} runs every second ({@code create}, {@code compress},
 * {@code delaycompress}, {@code size 1M}); and every {@code --kill-every} seconds both shippers are
 * SIGKILLed and started again {@code --down} seconds later. The peer is Debian's rsyslog with
 * {@code imfile} (persistent state, {@code reopenOnTruncate}), a private instance with its own
 * configuration and work directory. Afterwards each shipper's output is checked line by line:
 * lines lost, lines duplicated, and, for ours, the bytes read again after its restarts.
 */
public final class RotationBenchmark {

    private static final Map<String, String> POD = Map.of("POD_NAMESPACE", "bench", "POD_NAME", "bench-0", "POD_UID", "bench-uid", "MALLOC_ARENA_MAX", "2");

    private final Path work;
    private final Path logs;
    private final Path shipperJar;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private volatile long linesWritten;
    private volatile int rotations;

    private RotationBenchmark(Path work, Path shipperJar) throws IOException {
        this.work = work;
        this.logs = Files.createDirectories(work.resolve("logs"));
        this.shipperJar = shipperJar;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        Path work = Path.of(options.get("--work"));
        deleteTree(work);
        new RotationBenchmark(work, Path.of(options.get("--shipper-jar"))).run(Integer.parseInt(options.getOrDefault("--seconds", "120")),
                Integer.parseInt(options.getOrDefault("--kill-every", "30")), Integer.parseInt(options.getOrDefault("--down", "2")));
    }

    private void run(int seconds, int killEvery, int downSeconds) throws Exception {
        Path live = logs.resolve("app.log");
        Path config = Files.writeString(work.resolve("logrotate.conf"), live + " {\n  create\n  compress\n  delaycompress\n  size 1M\n  rotate 1000\n"
                + "  missingok\n}\n");
        Thread task = new Thread(this::write, "task");
        Thread logrotate = new Thread(() -> rotateEverySecond(config), "logrotate");
        task.start();
        logrotate.start();
        int port = freePort();
        Process ours = startShipper(port);
        Process peer = startRsyslog();
        // Read again after a restart: what a run read beyond what it left durable (its checkpoint, read after the kill).
        long rereadBytes = 0;
        long durable = 0;
        int kills = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.sleep(Math.min(killEvery * 1000L, Math.max(0, (end - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() >= end) {
                break;
            }
            long read = Math.max(0, (long) read(port, "logshipper_read_bytes_total"));
            ours.destroyForcibly().waitFor();
            peer.destroyForcibly().waitFor();
            long durableNow = durableBytes();
            rereadBytes += durable + read - durableNow;
            durable = durableNow;
            kills++;
            Thread.sleep(downSeconds * 1000L);
            ours = startShipper(port);
            peer = startRsyslog();
        }
        writing.set(false);
        task.join();
        logrotate.join();
        // Both catch up, then stop as Kubernetes stops them.
        Thread.sleep(10_000);
        ours.destroy();
        ours.waitFor();
        peer.destroy();
        peer.waitFor();

        byte[] shipped = decompressOurs();
        byte[] peerOut = Files.exists(work.resolve("rsyslog.out")) ? Files.readAllBytes(work.resolve("rsyslog.out")) : new byte[0];
        System.out.printf("Rotation with restarts: %d s of numbered lines at 200 KB/s, logrotate every second (create, compress, delaycompress, "
                + "size 1M: %d rotations), both shippers SIGKILLed every %d s and down %d s (%d kills)%n%n", seconds, rotations, killEvery,
                downSeconds, kills);
        System.out.println("| shipper | lines written | lost | duplicated | out of order | read again after restarts |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        print("log-shipper (default flags)", tally(shipped), String.format("%d bytes (%d per restart)", rereadBytes, rereadBytes / Math.max(1, kills)));
        print("rsyslog 8 imfile (persistStateInterval 1, reopenOnTruncate)", tally(peerOut), "not measured");
    }

    /** The stream's bytes the shipper's checkpoint holds as durable (read, and in storage or in the spool). */
    private long durableBytes() throws IOException {
        Path checkpoint = work.resolve("shipper-state/checkpoint.json");
        java.util.regex.Matcher bytes = java.util.regex.Pattern.compile("\"bytes\":(\\d+)").matcher(Files.exists(checkpoint) ? Files.readString(checkpoint) : "");
        return bytes.find() ? Long.parseLong(bytes.group(1)) : 0;
    }

    private void print(String who, long[] tally, String reread) {
        System.out.printf("| %s | %d | %d | %d | %d | %s |%n", who, linesWritten, tally[0], tally[1], tally[2], reread);
    }

    private Process startShipper(int port) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx40m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", shipperJar.toString(),
                "--files", "main=" + logs + "/app.log", "--storage-uri", work.resolve("remote").toUri().toString(), "--work-dir",
                work.resolve("shipper-state").toString(), "--health-address", "127.0.0.1", "--health-port", Integer.toString(port)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("shipper.log").toFile()));
        builder.environment().putAll(POD);
        return builder.start();
    }

    /** A private rsyslogd: only imfile in, one file out, its state in its own work directory. */
    private Process startRsyslog() throws IOException {
        Path state = Files.createDirectories(work.resolve("rsyslog-state"));
        Path config = Files.writeString(work.resolve("rsyslog.conf"), String.join("\n",
                "global(workDirectory=\"" + state + "\")",
                "module(load=\"imfile\" mode=\"inotify\")",
                "template(name=\"raw\" type=\"string\" string=\"%msg%\\n\")",
                "input(type=\"imfile\" file=\"" + logs.resolve("app.log") + "\" tag=\"app\" persistStateInterval=\"1\" reopenOnTruncate=\"on\" "
                        + "ruleset=\"out\")",
                "ruleset(name=\"out\") { action(type=\"omfile\" file=\"" + work.resolve("rsyslog.out") + "\" template=\"raw\") }", ""));
        return new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", config.toString(), "-i", work.resolve("rsyslog.pid").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("rsyslog.log").toFile())).start();
    }

    /** Numbered lines at 200 KB/s, reopened when the file at the path is another one. */
    private void write() {
        Path file = logs.resolve("app.log");
        long start = System.nanoTime();
        long written = 0;
        long sequence = 0;
        try {
            OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Object opened = key(file);
            while (writing.get()) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * 200_000);
                if (written >= due) {
                    Thread.sleep(5);
                    continue;
                }
                if (!opened.equals(key(file))) {
                    out.close();
                    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    opened = key(file);
                }
                StringBuilder burst = new StringBuilder();
                while (written + burst.length() < due + 2000) {
                    String head = "seq=" + sequence++ + " ";
                    burst.append(head).append("x".repeat(99 - head.length())).append('\n');
                }
                out.write(burst.toString().getBytes(StandardCharsets.US_ASCII));
                written += burst.length();
                linesWritten = sequence;
            }
            out.close();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("the task failed", e);
        }
    }

    private static Object key(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException gone) {
            return "none";
        }
    }

    private void rotateEverySecond(Path config) {
        try {
            while (writing.get()) {
                Process logrotate = new ProcessBuilder("/usr/sbin/logrotate", "-s", work.resolve("logrotate.state").toString(), config.toString())
                        .redirectErrorStream(true).start();
                logrotate.getInputStream().readAllBytes();
                logrotate.waitFor();
                try (Stream<Path> files = Files.list(logs)) {
                    rotations = (int) files.count() - 1;
                }
                Thread.sleep(1000);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("logrotate failed", e);
        }
    }

    /** Our segments in key order through {@code zstd -dc}, which skips each segment's index (a skippable frame). */
    private byte[] decompressOurs() throws Exception {
        List<Path> segments;
        try (Stream<Path> files = Files.walk(work.resolve("remote"))) {
            segments = files.filter(file -> file.getFileName().toString().endsWith(".log.zst")).sorted().toList();
        }
        List<String> command = new ArrayList<>(List.of("zstd", "-dc"));
        segments.forEach(segment -> command.add(segment.toString()));
        Process zstd = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] bytes = zstd.getInputStream().readAllBytes();
        if (zstd.waitFor() != 0) {
            throw new IllegalStateException("zstd -dc failed on our segments");
        }
        return bytes;
    }

    /** Lost, duplicated and out-of-order lines of {@code output}, against what the task wrote. */
    private long[] tally(byte[] output) {
        BitSet seen = new BitSet();
        long duplicated = 0;
        long outOfOrder = 0;
        long last = -1;
        for (String line : new String(output, StandardCharsets.US_ASCII).split("\n")) {
            int space = line.indexOf(' ');
            if (!line.startsWith("seq=") || space < 0) {
                continue;
            }
            int sequence = Integer.parseInt(line.substring(4, space));
            duplicated += seen.get(sequence) ? 1 : 0;
            outOfOrder += sequence < last ? 1 : 0;
            last = sequence;
            seen.set(sequence);
        }
        return new long[] {linesWritten - seen.get(0, (int) linesWritten).cardinality(), duplicated, outOfOrder};
    }
}
