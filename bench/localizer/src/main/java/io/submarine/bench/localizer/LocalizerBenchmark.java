package io.submarine.bench.localizer;

import io.submarine.localizer.SmartHttpGitServer;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Times whole processes, JVM start included, as an init container runs: the localizer against
 * C git (clone at depth 1 and full, over git:// and smart HTTP) and against GNU tar (unpacking
 * tar.gz and tar.zst), plus {@code localizer --help} for start-up. Medians of alternating runs.
 */
public final class LocalizerBenchmark {

    private final Path work;
    private final int repeat;
    private final List<String> localizer;

    private LocalizerBenchmark(Path work, int repeat, List<String> localizer) {
        this.work = work;
        this.repeat = repeat;
        this.localizer = localizer;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path work = Path.of(options.get("work"));
        Path jar = Path.of(options.get("localizer-jar"));
        Path cds = Path.of(options.get("cds-archive"));
        int repeat = Integer.parseInt(options.getOrDefault("repeat", "3"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        LocalizerBenchmark bench = new LocalizerBenchmark(work, repeat,
                List.of(java, "-XX:SharedArchiveFile=" + cds, "-Xshare:auto", "-jar", jar.toString()));
        System.out.println("| what | localizer s | baseline s | ratio (lower is better) |");
        System.out.println("|---|---:|---:|---:|");
        bench.startup(java, jar);
        bench.clones(Path.of(options.get("repos")));
        bench.unpack(Path.of(options.get("tar-gz")), List.of("tar", "-xzf"), "tar.gz vs tar -xzf");
        bench.unpack(Path.of(options.get("tar-zst")), List.of("tar", "--zstd", "-xf"), "tar.zst vs tar --zstd -xf");
    }

    private void startup(String java, Path jar) throws Exception {
        double plain = median(() -> run(List.of(java, "-jar", jar.toString(), "--help"), null));
        double withCds = median(() -> run(concat(localizer, "--help"), null));
        System.out.printf("| localizer --help (no CDS; target 0.3 s) | %.3f | 0.300 | %.2f |%n", plain, plain / 0.3);
        System.out.printf("| localizer --help (with the CDS archive the image ships) | %.3f | 0.300 | %.2f |%n", withCds, withCds / 0.3);
    }

    private void clones(Path repos) throws Exception {
        int port = Fixtures.freePort();
        try (ExternalServer daemon = new ExternalServer("git daemon", List.of("git", "daemon", "--reuseaddr", "--export-all",
                "--listen=127.0.0.1", "--port=" + port, "--base-path=" + repos, repos.toString()), Map.of(), port,
                work.resolve("daemon.log"), Duration.ofSeconds(30));
                SmartHttpGitServer http = new SmartHttpGitServer(repos, "bench", "bench-password")) {
            daemon.start();
            Path password = Files.writeString(work.resolve("password"), "bench-password");
            Path user = Files.writeString(work.resolve("user"), "bench");
            String git = "git://127.0.0.1:" + port + "/library.git";
            String smart = http.url("library.git");
            String smartWithUser = smart.replace("http://", "http://bench:bench-password@");
            compare("clone --depth 1, git://", concat(localizer, "--url", git, "--depth", "1"), List.of("git", "clone", "-q", "--depth", "1", git));
            compare("clone full, git://", concat(localizer, "--url", git, "--depth", "0"), List.of("git", "clone", "-q", git));
            compare("clone --depth 1, smart HTTP", concat(localizer, "--url", smart, "--depth", "1", "--username-file", user.toString(),
                    "--password-file", password.toString()), List.of("git", "clone", "-q", "--depth", "1", smartWithUser));
            compare("clone full, smart HTTP", concat(localizer, "--url", smart, "--depth", "0", "--username-file", user.toString(),
                    "--password-file", password.toString()), List.of("git", "clone", "-q", smartWithUser));
        }
    }

    private void unpack(Path archive, List<String> tar, String what) throws Exception {
        compare(what, concat(localizer, "--type", "archive", "--url", "file://" + archive),
                concat(tar, archive.toString()));
    }

    /** Runs both commands {@code repeat} times, alternating, each into a fresh directory. */
    private void compare(String what, List<String> ours, List<String> baseline) throws Exception {
        double[] oursTimes = new double[repeat];
        double[] baseTimes = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            Path dir = fresh("baseline");
            baseTimes[i] = run(baseline, dir);
            dir = fresh("ours");
            oursTimes[i] = run(concat(ours, "--code-root", dir.toString(), "--models-root", dir.resolve("m").toString()), dir);
        }
        double o = median(oursTimes);
        double b = median(baseTimes);
        System.out.printf("| %s | %.2f | %.2f | %.2f |%n", what, o, b, o / b);
    }

    private Path fresh(String name) throws IOException {
        Path dir = work.resolve("out-" + name);
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /**
     * Wall seconds of one process run to completion; fails the benchmark if it fails. Each run
     * has an empty home, as in a new pod: JGit keeps what it measured of the file system there
     * (3 s of every clone when it isn't), and a bench reusing the machine's home hid that.
     */
    private double run(List<String> command, Path dir) throws Exception {
        new ProcessBuilder("sync").start().waitFor();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path home = fresh("home");
        builder.environment().put("HOME", home.toString());
        builder.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit);
        }
        return seconds;
    }

    @FunctionalInterface
    interface Timed {
        double run() throws Exception;
    }

    private double median(Timed timed) throws Exception {
        double[] times = new double[Math.max(repeat, 5)];
        for (int i = 0; i < times.length; i++) {
            times[i] = timed.run();
        }
        return median(times);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
