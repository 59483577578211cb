package io.submarine.storage.cli;

import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Exercises a store end to end (write, conditional write, stat, range read, list, delete) under
 * a fresh prefix it removes afterwards. Defaults to a temporary {@code file://} directory, so it
 * runs anywhere; point {@code --root} at a bucket to check credentials and reachability.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = "Write, read, list and delete test objects under ROOT (default: a temporary file:// directory) and report.")
final class SelfTestCommand implements Callable<Integer> {

    @Mixin
    StorageOptions options = new StorageOptions();

    @Option(names = "--root", description = "Where to write the test objects, e.g. s3://bucket/tmp/.")
    String root;

    @Option(names = "--size", description = "Bytes in the large test object (default 32 MiB).")
    long size = 32 << 20;

    @Override
    public Integer call() throws IOException {
        Location base = (root != null ? StorageOptions.location(root)
                : Location.of("file://" + Files.createTempDirectory("submarine-storage-selftest").toAbsolutePath()))
                .asDirectory().resolve("selftest-" + UUID.randomUUID() + "/");
        try (BlobStores stores = options.stores()) {
            run(stores, base);
        }
        return 0;
    }

    private void run(BlobStores stores, Location base) throws IOException {
        List<Location> written = new ArrayList<>();
        try {
            Location large = base.resolve("large.bin");
            long start = System.nanoTime();
            byte[] digest = write(stores, large);
            written.add(large);
            double writeSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            byte[] readBack;
            try (InputStream in = stores.open(large)) {
                readBack = sha256(in);
            }
            double readSeconds = (System.nanoTime() - start) / 1e9;
            check(MessageDigest.isEqual(digest, readBack), "read-back digest differs from what was written");
            check(stores.stat(large).size() == size, "stat reports a different size");

            Location once = base.resolve("once.txt");
            stores.write(once, new ByteArrayInputStream("first".getBytes(StandardCharsets.UTF_8)), WriteMode.CREATE_IF_ABSENT);
            written.add(once);
            boolean refused = false;
            try {
                stores.write(once, new ByteArrayInputStream("second".getBytes(StandardCharsets.UTF_8)), WriteMode.CREATE_IF_ABSENT);
            } catch (BlobExistsException expected) {
                refused = true;
            }
            check(refused, "create-if-absent replaced an existing object");
            try (InputStream in = stores.open(once, 1, 3)) {
                check(new String(in.readAllBytes(), StandardCharsets.UTF_8).equals("irs"), "range read returned the wrong bytes");
            }
            List<Location> listed = new ArrayList<>();
            BlobIterator listing = stores.list(base);
            while (listing.hasNext()) {
                BlobInfo info = listing.next();
                listed.add(info.location());
            }
            check(listed.containsAll(written) && listed.size() == written.size(), "listing returned " + listed + ", expected " + written);
            System.out.printf("selftest OK on %s: wrote %d bytes at %.1f MB/s, read at %.1f MB/s; create-if-absent, range read, list, delete checked%n",
                    base, size, size / 1e6 / writeSeconds, size / 1e6 / readSeconds);
        } finally {
            stores.deleteAll(written);
        }
    }

    private byte[] write(BlobStores stores, Location location) throws IOException {
        SplittableRandom random = new SplittableRandom(size);
        MessageDigest digest = newDigest();
        InputStream source = new InputStream() {
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
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) random.nextInt(256);
                }
                digest.update(b, off, n);
                left -= n;
                return n;
            }
        };
        stores.write(location, source, WriteMode.CREATE_IF_ABSENT);
        return digest.digest();
    }

    private static byte[] sha256(InputStream in) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return digest.digest();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalStateException("selftest failed: " + problem);
        }
    }
}
