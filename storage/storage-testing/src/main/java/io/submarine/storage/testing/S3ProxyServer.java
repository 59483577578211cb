package io.submarine.storage.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real S3 endpoint: s3proxy with its file-system store, in its own JVM on 127.0.0.1, with
 * signature-checked credentials. Killing it is a real crash of the server mid-request. A module
 * that uses it copies the s3proxy jar (Maven artifact {@code org.gaul:s3proxy}, classifier
 * {@code jar-with-dependencies}) and names it in the system property {@code s3proxy.jar}.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String IDENTITY = "local-identity";
    public static final String CREDENTIAL = "local-credential-7f3a9c";

    private final ExternalServer server;
    private final int port;

    private S3ProxyServer(ExternalServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts s3proxy with these buckets already there (in its file store, a bucket is a directory). */
    public static S3ProxyServer start(Path workDir, String... buckets) throws Exception {
        String jar = System.getProperty("s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            Fixtures.unavailable("s3proxy jar not found (Maven copies it to target/s3proxy; run through mvn)");
        }
        int port = Fixtures.freePort();
        Path data = Files.createDirectories(workDir.resolve("data"));
        for (String bucket : buckets) {
            Files.createDirectories(data.resolve(bucket));
        }
        Path properties = workDir.resolve("s3proxy.conf");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + data) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ExternalServer server = new ExternalServer("s3proxy",
                List.of(java, "-Xmx512m", "-jar", jar, "--properties", properties.toString()),
                Map.of(), port, workDir.resolve("s3proxy.log"), Duration.ofSeconds(60));
        server.start();
        return new S3ProxyServer(server, port);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public ExternalServer control() {
        return server;
    }

    /** Files holding the access key id and secret, as a pod would mount them. */
    public static Map<String, String> credentialFiles(Path dir, String identity, String secret) throws IOException {
        Files.createDirectories(dir);
        Path id = Files.writeString(dir.resolve("access-key-id"), identity);
        Path key = Files.writeString(dir.resolve("secret-access-key"), secret);
        return Map.of("s3.access-key-id-file", id.toString(), "s3.secret-access-key-file", key.toString());
    }

    @Override
    public void close() {
        server.close();
    }
}
