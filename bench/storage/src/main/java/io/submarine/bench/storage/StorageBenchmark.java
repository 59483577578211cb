package io.submarine.bench.storage;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreProvider;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.WriteMode;
import io.submarine.storage.azure.AzureBlobStoreProvider;
import io.submarine.storage.hdfs.HdfsBlobStoreProvider;
import io.submarine.storage.local.LocalBlobStoreProvider;
import io.submarine.storage.s3.S3BlobStoreProvider;
import io.submarine.storage.testing.ExternalServer;
import io.submarine.storage.testing.Fixtures;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Writes and reads N MiB through {@link BlobStore} and, as the baseline, through the backend's
 * own SDK used the plain way (a file copy for file://), against local servers, in one run.
 * Reports MB/s, the ratio ours/direct, and the peak heap used while our store ran.
 */
public final class StorageBenchmark {

    private static final int PART = 16 << 20;
    private static final String S3_ID = "bench-identity";
    private static final String S3_SECRET = "bench-credential";
    private static final int AZURE_BLOCK = 8 << 20;
    private static final String AZURE_ACCOUNT = "devstoreaccount1";
    private static final String AZURE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /** One way of moving the bytes. */
    interface Transfer {
        void write(InputStream source) throws Exception;

        InputStream read() throws Exception;

        void delete() throws Exception;
    }

    record Result(String backend, String operation, double oursMbps, double directMbps, long oursPeakHeapMiB) {}

    private final long size;
    private final int repeat;
    private final Path work;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private StorageBenchmark(long size, int repeat, Path work) {
        this.size = size;
        this.repeat = repeat;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        long size = Long.parseLong(options.getOrDefault("size-mib", "1024")) << 20;
        List<String> only = List.of(options.getOrDefault("only", "file,s3,hdfs,azure").split(","));
        int repeat = Integer.parseInt(options.getOrDefault("repeat", "3"));
        StorageBenchmark bench = new StorageBenchmark(size, repeat, Path.of(options.get("work")));
        try {
            printHeader(size, repeat);
            if (only.contains("file")) {
                print(bench.file());
            }
            if (only.contains("s3")) {
                print(bench.s3(Path.of(options.get("s3proxy-jar"))));
            }
            if (only.contains("hdfs")) {
                print(bench.hdfs(options.get("classpath")));
            }
            if (only.contains("azure")) {
                print(bench.azure());
            }
        } finally {
            bench.closeAll();
        }
        System.exit(0);
    }

    private List<Result> file() throws Exception {
        Path dir = Files.createDirectories(work.resolve("file"));
        BlobStore store = new LocalBlobStoreProvider().create(StorageConfig.empty());
        Location ours = Location.of("file://" + dir.resolve("ours.bin"));
        Path direct = dir.resolve("direct.bin");
        List<Result> results = new ArrayList<>(compare("file:// (baseline: plain copy)", store, ours, new Transfer() {
            @Override
            public void write(InputStream source) throws Exception {
                Files.copy(source, direct);
            }

            @Override
            public InputStream read() throws Exception {
                return Files.newInputStream(direct);
            }

            @Override
            public void delete() throws Exception {
                Files.deleteIfExists(direct);
            }
        }));
        // Our store syncs to disk before it publishes; compare it with a copy that syncs too.
        results.addAll(compare("file:// (baseline: copy + fsync)", store, ours, new Transfer() {
            @Override
            public void write(InputStream source) throws Exception {
                try (FileChannel out = FileChannel.open(direct, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    source.transferTo(Channels.newOutputStream(out));
                    out.force(true);
                }
            }

            @Override
            public InputStream read() throws Exception {
                return Files.newInputStream(direct);
            }

            @Override
            public void delete() throws Exception {
                Files.deleteIfExists(direct);
            }
        }));
        return results;
    }

    private List<Result> s3(Path jar) throws Exception {
        int port = Fixtures.freePort();
        Path dir = Files.createDirectories(work.resolve("s3proxy/data"));
        Path conf = Files.writeString(work.resolve("s3proxy/s3proxy.conf"), String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port, "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + S3_ID, "s3proxy.credential=" + S3_SECRET,
                "jclouds.provider=filesystem-nio2", "jclouds.filesystem.basedir=" + dir) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ExternalServer server = new ExternalServer("s3proxy", List.of(java, "-Xmx512m", "-jar", jar.toString(), "--properties", conf.toString()),
                Map.of(), port, work.resolve("s3proxy/log"), Duration.ofSeconds(60));
        server.start();
        toClose.add(server);
        String endpoint = "http://127.0.0.1:" + port;
        S3Client client = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3_ID, S3_SECRET))).build();
        toClose.add(client);
        client.createBucket(b -> b.bucket("bench"));
        Path id = Files.writeString(work.resolve("s3-id"), S3_ID);
        Path secret = Files.writeString(work.resolve("s3-secret"), S3_SECRET);
        BlobStore store = create(new S3BlobStoreProvider(), Map.of("s3.endpoint", endpoint,
                "s3.access-key-id-file", id.toString(), "s3.secret-access-key-file", secret.toString()));
        return compare("s3:// (s3proxy)", store, Location.of("s3://bench/ours.bin"), new Transfer() {
            @Override
            public void write(InputStream source) throws Exception {
                // The plain SDK way for an unknown length: a multipart upload, one 16 MiB part at a time.
                String upload = client.createMultipartUpload(b -> b.bucket("bench").key("direct.bin")).uploadId();
                List<CompletedPart> parts = new ArrayList<>();
                byte[] buffer = new byte[PART];
                for (int n, number = 1; (n = source.readNBytes(buffer, 0, PART)) > 0; number++) {
                    int partNumber = number;
                    int length = n;
                    String etag = client.uploadPart(b -> b.bucket("bench").key("direct.bin").uploadId(upload).partNumber(partNumber),
                            RequestBody.fromByteBuffer(ByteBuffer.wrap(buffer, 0, length))).eTag();
                    parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                }
                client.completeMultipartUpload(b -> b.bucket("bench").key("direct.bin").uploadId(upload)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
            }

            @Override
            public InputStream read() {
                return client.getObject(b -> b.bucket("bench").key("direct.bin"));
            }

            @Override
            public void delete() {
                client.deleteObject(b -> b.bucket("bench").key("direct.bin"));
            }
        });
    }

    private List<Result> hdfs(String classpath) throws Exception {
        Path portFile = work.resolve("hdfs.port");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx1g", "-cp", classpath, MiniDfsServer.class.getName(),
                work.resolve("hdfs").toString(), portFile.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("hdfs.log").toFile()).start();
        toClose.add(() -> {
            process.destroyForcibly();
            process.waitFor();
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(portFile)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("MiniDFSCluster did not start; see " + work.resolve("hdfs.log"));
            }
            Thread.sleep(200);
        }
        String authority = "127.0.0.1:" + Files.readString(portFile).trim();
        FileSystem fs = FileSystem.newInstance(URI.create("hdfs://" + authority + "/"), new Configuration());
        toClose.add(fs);
        org.apache.hadoop.fs.Path direct = new org.apache.hadoop.fs.Path("/bench/direct.bin");
        BlobStore store = create(new HdfsBlobStoreProvider(), Map.of());
        return compare("hdfs:// (MiniDFSCluster)", store, Location.of("hdfs://" + authority + "/bench/ours.bin"), new Transfer() {
            @Override
            public void write(InputStream source) throws Exception {
                try (OutputStream out = fs.create(direct, true)) {
                    source.transferTo(out);
                }
            }

            @Override
            public InputStream read() throws Exception {
                return fs.open(direct);
            }

            @Override
            public void delete() throws Exception {
                fs.delete(direct, false);
            }
        });
    }

    private List<Result> azure() throws Exception {
        Optional<Path> azurite = Optional.ofNullable(System.getenv("AZURITE_BLOB")).map(Path::of).or(() -> Fixtures.onPath("azurite-blob"));
        if (azurite.isEmpty()) {
            System.err.println("azurite-blob not found (npm install -g azurite@3.35.0, or set AZURITE_BLOB): Azure skipped");
            return List.of();
        }
        int port = Fixtures.freePort();
        ExternalServer server = new ExternalServer("azurite", List.of(azurite.get().toString(), "--blobHost", "127.0.0.1",
                "--blobPort", Integer.toString(port), "--location", Files.createDirectories(work.resolve("azurite")).toString(),
                "--skipApiVersionCheck", "--silent"), Map.of(), port, work.resolve("azurite.log"), Duration.ofSeconds(60));
        server.start();
        toClose.add(server);
        String endpoint = "http://127.0.0.1:" + port + "/" + AZURE_ACCOUNT;
        BlobContainerClient container = new BlobServiceClientBuilder().endpoint(endpoint)
                .credential(new StorageSharedKeyCredential(AZURE_ACCOUNT, AZURE_KEY)).buildClient().getBlobContainerClient("bench");
        container.create();
        BlobClient direct = container.getBlobClient("direct.bin");
        Path key = Files.writeString(work.resolve("azure-key"), AZURE_KEY);
        BlobStore store = create(new AzureBlobStoreProvider(), Map.of("azure.endpoint", endpoint, "azure.account-key-file", key.toString()));
        return compare("abfs:// (Azurite)", store, Location.of("abfs://bench@" + AZURE_ACCOUNT + ".dfs.core.windows.net/ours.bin"), new Transfer() {
            @Override
            public void write(InputStream source) {
                // The SDK's own streaming upload, with the block size and concurrency our store uses.
                direct.uploadWithResponse(new BlobParallelUploadOptions(source)
                        .setParallelTransferOptions(new ParallelTransferOptions().setBlockSizeLong((long) AZURE_BLOCK)
                                .setMaxConcurrency(2).setMaxSingleUploadSizeLong((long) AZURE_BLOCK)), null, null);
            }

            @Override
            public InputStream read() {
                return direct.openInputStream();
            }

            @Override
            public void delete() {
                direct.deleteIfExists();
            }
        });
    }

    private BlobStore create(BlobStoreProvider provider, Map<String, String> settings) throws Exception {
        BlobStore store = provider.create(StorageConfig.of(settings));
        toClose.add(store);
        return store;
    }

    /**
     * Alternates the two ways {@code repeat} times for each operation and keeps the medians, so
     * that a disk flush or a GC landing in one run doesn't decide the ratio.
     */
    private List<Result> compare(String backend, BlobStore store, Location ours, Transfer direct) throws Exception {
        double[] directWrite = new double[repeat];
        double[] oursWrite = new double[repeat];
        long writeHeap = 0;
        for (int i = 0; i < repeat; i++) {
            direct.delete();
            store.delete(ours);
            directWrite[i] = timed(() -> direct.write(source()));
            resetPeakHeap();
            oursWrite[i] = timed(() -> store.write(ours, source(), WriteMode.CREATE_IF_ABSENT));
            writeHeap = Math.max(writeHeap, peakHeapMiB());
        }
        double[] directRead = new double[repeat];
        double[] oursRead = new double[repeat];
        long readHeap = 0;
        for (int i = 0; i < repeat; i++) {
            directRead[i] = timed(() -> drain(direct.read()));
            resetPeakHeap();
            oursRead[i] = timed(() -> drain(store.open(ours)));
            readHeap = Math.max(readHeap, peakHeapMiB());
        }
        direct.delete();
        store.delete(ours);
        return List.of(new Result(backend, "write", median(oursWrite), median(directWrite), writeHeap),
                new Result(backend, "read", median(oursRead), median(directRead), readHeap));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    /** MB/s of moving {@code size} bytes, starting with no dirty pages left by the previous run. */
    private double timed(Work work) throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        long start = System.nanoTime();
        work.run();
        return size / 1e6 / ((System.nanoTime() - start) / 1e9);
    }

    private void drain(InputStream in) throws Exception {
        try (in) {
            long n = in.transferTo(OutputStream.nullOutputStream());
            if (n != size) {
                throw new IllegalStateException("read " + n + " bytes, expected " + size);
            }
        }
    }

    /** {@code size} bytes from one random MiB repeated: generating them costs next to nothing. */
    private InputStream source() {
        byte[] block = new byte[1 << 20];
        new SplittableRandom(42).nextBytes(block);
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int position = (int) ((size - left) % block.length);
                int n = (int) Math.min(Math.min(len, left), block.length - position);
                System.arraycopy(block, position, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }

    private static void printHeader(long size, int repeat) {
        System.out.printf("Transfer of %d MiB, median of %d alternating runs, client JVM -Xmx%d MiB, %d cores%n%n", size >> 20, repeat,
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
        System.out.println("| backend | operation | BlobStore MB/s | direct MB/s | ratio | BlobStore peak heap used MiB (incl. garbage) |");
        System.out.println("|---|---|---:|---:|---:|---:|");
    }

    private static void print(List<Result> results) {
        for (Result r : results) {
            System.out.printf("| %s | %s | %.0f | %.0f | %.2f | %d |%n", r.backend(), r.operation(), r.oursMbps(), r.directMbps(),
                    r.oursMbps() / r.directMbps(), r.oursPeakHeapMiB());
        }
    }

    private void closeAll() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }
}
