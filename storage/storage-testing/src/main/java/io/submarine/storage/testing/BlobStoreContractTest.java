package io.submarine.storage.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.submarine.storage.BlobAccessDeniedException;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.BlobStoreException;
import io.submarine.storage.Location;
import io.submarine.storage.SupportsAppend;
import io.submarine.storage.SupportsCompose;
import io.submarine.storage.SupportsRename;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link BlobStore} promises, run against a real server. A backend's test
 * extends this and supplies only the environment: the store, a root location, and hooks for
 * what its server can do (be killed, refuse credentials). Where a backend cannot take part in
 * a test, its override says why in a comment.
 */
public abstract class BlobStoreContractTest {

    /** Bytes in one "large object" test; the test JVM's heap is capped far below this. */
    protected static final long LARGE_OBJECT_BYTES = 1L << 30;

    private Location base;

    /** The store under test, configured with {@link #partSize()} and {@link #listPageSize()}. */
    protected abstract BlobStore store();

    /** A location under which this test class may write freely. */
    protected abstract Location root();

    /** The size at which the store splits a write into parts or blocks (multipart, staged blocks). */
    protected long partSize() {
        return 0;
    }

    /** The listing page size the store was configured with; 0 when it does not page. */
    protected int listPageSize() {
        return 0;
    }

    /** Whether the 1 GiB streamed round trip runs; a backend that keeps objects in the heap cannot. */
    protected boolean supportsLargeObjects() {
        return true;
    }

    /** Stops and restarts the real server, when the fixture can. */
    protected Optional<ServerControl> serverControl() {
        return Optional.empty();
    }

    /** A store for the same server whose credentials are wrong, with the wrong secret it holds. */
    protected Optional<WrongCredentials> wrongCredentials() {
        return Optional.empty();
    }

    /** A store that was given wrong credentials, and the secret that must never show in an error. */
    public record WrongCredentials(BlobStore store, String secret) {}

    /**
     * Tests this environment cannot run, by method name, each with the reason; only for a
     * stand-in server (a vendor's fake) that lacks a feature the real service has.
     */
    protected Map<String, String> knownGaps() {
        return Map.of();
    }

    @BeforeEach
    void chooseBase(TestInfo info) {
        String gap = knownGaps().get(info.getTestMethod().orElseThrow().getName());
        assumeThat(gap).as("known gap of this test environment: %s", gap).isNull();
        base = root().resolve(info.getTestMethod().orElseThrow().getName() + "-" + UUID.randomUUID().toString().substring(0, 8) + "/");
    }

    /** A fresh location for this test. */
    protected Location at(String name) {
        return base.resolve(name);
    }

    @Test
    void emptyObjectRoundTrips() throws IOException {
        assertRoundTrip(at("empty"), new byte[0]);
    }

    @Test
    void oneByteRoundTrips() throws IOException {
        assertRoundTrip(at("one"), new byte[] {42});
    }

    @Test
    void multiPartObjectRoundTrips() throws IOException {
        long part = Math.max(partSize(), 1 << 20);
        assertRoundTrip(at("multi"), Payloads.bytes(7, (int) (2 * part + 12_345)));
    }

    @Test
    void objectOfExactlyOnePartRoundTrips() throws IOException {
        assumeThat(partSize()).as("backend writes in parts").isPositive();
        assertRoundTrip(at("exact"), Payloads.bytes(8, (int) partSize()));
    }

    @Test
    void statReportsSizeTimeAndVersion() throws IOException {
        Location location = at("stat");
        write(location, Payloads.bytes(1, 1000), WriteMode.OVERWRITE);
        BlobInfo info = store().stat(location);
        assertThat(info.location()).isEqualTo(location);
        assertThat(info.size()).isEqualTo(1000);
        assertThat(info.lastModified()).isAfter(java.time.Instant.parse("2020-01-01T00:00:00Z"));
        assertThat(info.version()).isNotBlank();
    }

    @Test
    void missingObjectIsNotFoundWithItsLocation() {
        Location missing = at("missing");
        assertThatThrownBy(() -> store().stat(missing))
                .isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> readAll(store().open(missing)))
                .isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void overwriteReplacesTheObject() throws IOException {
        Location location = at("replace");
        write(location, "first".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        write(location, "second version".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        assertThat(readAll(store().open(location))).asString(StandardCharsets.UTF_8).isEqualTo("second version");
        assertThat(store().stat(location).size()).isEqualTo(14);
    }

    @Test
    void createIfAbsentRefusesAnExistingObjectAndKeepsIt() throws IOException {
        Location location = at("once");
        write(location, "original".getBytes(StandardCharsets.UTF_8), WriteMode.CREATE_IF_ABSENT);
        assertThatThrownBy(() -> write(location, "intruder".getBytes(StandardCharsets.UTF_8), WriteMode.CREATE_IF_ABSENT))
                .isInstanceOf(BlobExistsException.class)
                .hasMessageContaining(location.toString());
        assertThat(readAll(store().open(location))).asString(StandardCharsets.UTF_8).isEqualTo("original");
    }

    @Test
    void createIfAbsentOfMultiplePartsRefusesAnExistingObject() throws IOException {
        assumeThat(partSize()).as("backend writes in parts").isPositive();
        Location location = at("once-multi");
        byte[] original = Payloads.bytes(3, (int) (partSize() + 10));
        write(location, original, WriteMode.CREATE_IF_ABSENT);
        assertThatThrownBy(() -> write(location, Payloads.bytes(4, (int) (2 * partSize() + 10)), WriteMode.CREATE_IF_ABSENT))
                .isInstanceOf(BlobExistsException.class);
        assertThat(readAll(store().open(location))).isEqualTo(original);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void racingCreateIfAbsentHasExactlyOneWinner() throws Exception {
        int writers = 6;
        Location location = at("race");
        CyclicBarrier beforeCommit = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] content = ("writer " + i + " ").repeat(100 + i).getBytes(StandardCharsets.UTF_8);
                Callable<byte[]> writer = () -> {
                    BlobOutputStream out = store().create(location, WriteMode.CREATE_IF_ABSENT);
                    out.write(content);
                    beforeCommit.await(60, TimeUnit.SECONDS);
                    out.close();
                    return content;
                };
                results.add(pool.submit(writer));
            }
            List<byte[]> winners = new ArrayList<>();
            int losers = 0;
            for (Future<byte[]> result : results) {
                try {
                    winners.add(result.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(BlobExistsException.class);
                    losers++;
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(losers).isEqualTo(writers - 1);
            assertThat(readAll(store().open(location))).isEqualTo(winners.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nothingIsVisibleBeforeCloseOrAfterAbort() throws IOException {
        Location location = at("pending");
        BlobOutputStream out = store().create(location, WriteMode.CREATE_IF_ABSENT);
        out.write(Payloads.bytes(5, (int) Math.max(partSize() + 1, 4096)));
        out.flush();
        assertThatThrownBy(() -> store().stat(location)).isInstanceOf(BlobNotFoundException.class);
        assertThat(names(base)).isEmpty();
        out.abort();
        out.close();
        assertThatThrownBy(() -> store().stat(location)).isInstanceOf(BlobNotFoundException.class);
        assertThat(names(base)).isEmpty();
    }

    @Test
    void aFailingSourceLeavesNoObject() {
        Location location = at("failing-source");
        InputStream failing = new InputStream() {
            private long sent;

            @Override
            public int read() throws IOException {
                if (sent++ > Math.max(partSize() + 100, 10_000)) {
                    throw new IOException("source broke");
                }
                return 'x';
            }
        };
        assertThatThrownBy(() -> store().write(location, failing, WriteMode.OVERWRITE)).hasMessage("source broke");
        assertThatThrownBy(() -> store().stat(location)).isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void rangeReads() throws IOException {
        Location location = at("ranges");
        byte[] data = Payloads.bytes(9, 100_000);
        write(location, data, WriteMode.OVERWRITE);
        assertThat(readAll(store().open(location, 0, 10))).isEqualTo(slice(data, 0, 10));
        assertThat(readAll(store().open(location, 12_345, 50_000))).isEqualTo(slice(data, 12_345, 50_000));
        assertThat(readAll(store().open(location, 99_990, 1_000))).isEqualTo(slice(data, 99_990, 10));
        assertThat(readAll(store().open(location, 99_999, 1))).isEqualTo(slice(data, 99_999, 1));
        assertThat(readAll(store().open(location, 100_000, 10))).isEmpty();
        assertThat(readAll(store().open(location, 500_000, 10))).isEmpty();
        assertThat(readAll(store().open(location, 10, 0))).isEmpty();
    }

    @Test
    void listingReturnsEveryObjectBelowTheDirectoryAcrossPages() throws IOException {
        Location dir = at("dir/");
        int count = Math.max(2 * listPageSize() + 3, 7);
        Set<Location> expected = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Location location = dir.resolve((i % 3 == 0 ? "nested/deeper/" : "") + "object-" + i);
            write(location, new byte[] {(byte) i}, WriteMode.OVERWRITE);
            expected.add(location);
        }
        // Siblings that share the directory's name as a string prefix are not below it.
        write(at("dir-sibling"), new byte[] {1}, WriteMode.OVERWRITE);
        write(at("dirx/object"), new byte[] {1}, WriteMode.OVERWRITE);

        List<BlobInfo> listed = listAll(dir);
        assertThat(listed).extracting(BlobInfo::location).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(listed).allSatisfy(info -> assertThat(info.size()).isEqualTo(1));
        assertThat(listAll(at("absent/"))).isEmpty();
    }

    /** Object names that are legal but easy to get wrong; a backend removes only what its storage forbids. */
    protected List<String> awkwardNames() {
        return List.of(
                "ünïcödé/日本語 ファイル.txt", "with space/and+plus=equals&amp", "question?mark#hash",
                "percent%20encoded%2Fslash", "quote'double\"", "colon:semi;comma,", "emoji-\uD83D\uDE80.bin",
                "tilde~star*(paren)[bracket]", "trailing.dot.");
    }

    @Test
    void unicodeAndAwkwardKeysRoundTripAndList() throws IOException {
        List<String> names = awkwardNames();
        Set<Location> expected = new HashSet<>();
        for (String name : names) {
            Location location = at("awkward/" + name);
            byte[] content = name.getBytes(StandardCharsets.UTF_8);
            write(location, content, WriteMode.CREATE_IF_ABSENT);
            assertThat(readAll(store().open(location))).as(name).isEqualTo(content);
            assertThat(store().stat(location).size()).as(name).isEqualTo(content.length);
            expected.add(location);
        }
        assertThat(listAll(at("awkward/"))).extracting(BlobInfo::location).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void deleteRemovesAndToleratesAbsence() throws IOException {
        Location a = at("a");
        Location b = at("b");
        Location c = at("c");
        for (Location location : List.of(a, b, c)) {
            write(location, new byte[] {1, 2, 3}, WriteMode.OVERWRITE);
        }
        store().delete(a);
        store().delete(a);
        assertThatThrownBy(() -> store().stat(a)).isInstanceOf(BlobNotFoundException.class);
        store().deleteAll(List.of(b, c, at("never-existed")));
        assertThat(listAll(base)).isEmpty();
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void largeObjectStreamsThroughBoundedMemory() throws IOException {
        assumeThat(supportsLargeObjects()).as("backend can hold a 1 GiB object outside the heap").isTrue();
        Location location = at("large");
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertThat(maxHeap).as("test JVM heap must be capped well below the object size").isLessThan(LARGE_OBJECT_BYTES / 2);
        byte[] written;
        try (InputStream source = Payloads.stream(11, LARGE_OBJECT_BYTES)) {
            DigestingInputStream digesting = new DigestingInputStream(source);
            assertThat(store().write(location, digesting, WriteMode.CREATE_IF_ABSENT)).isEqualTo(LARGE_OBJECT_BYTES);
            written = digesting.digest();
        }
        assertThat(store().stat(location).size()).isEqualTo(LARGE_OBJECT_BYTES);
        try (DigestingInputStream read = new DigestingInputStream(store().open(location))) {
            assertThat(read.transferTo(OutputStream.nullOutputStream())).isEqualTo(LARGE_OBJECT_BYTES);
            assertThat(read.digest()).isEqualTo(written);
        }
        store().delete(location);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void serverDyingMidUploadLeavesNoVisibleObject() throws Exception {
        ServerControl server = serverControl().orElse(null);
        assumeThat(server).as("fixture can kill its server").isNotNull();
        Location location = at("interrupted");
        BlobOutputStream out = store().create(location, WriteMode.CREATE_IF_ABSENT);
        byte[] chunk = Payloads.bytes(12, 1 << 20);
        long target = Math.max(2 * partSize(), 4L << 20);
        for (long sent = 0; sent < target; sent += chunk.length) {
            out.write(chunk);
        }
        server.kill();
        try {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 8; i++) {
                    out.write(chunk);
                }
                out.close();
            }).isInstanceOf(IOException.class);
            out.abort();
        } finally {
            server.start();
        }
        assertThatThrownBy(() -> store().stat(location)).isInstanceOf(BlobNotFoundException.class);
        assertThat(names(base)).isEmpty();
        // The store still works once the server is back.
        write(location, new byte[] {7}, WriteMode.CREATE_IF_ABSENT);
        assertThat(readAll(store().open(location))).containsExactly(7);
    }

    @Test
    void wrongCredentialsAreAnAuthErrorThatHidesTheSecret() throws IOException {
        WrongCredentials wrong = wrongCredentials().orElse(null);
        assumeThat(wrong).as("fixture can refuse credentials").isNotNull();
        Location location = at("denied");
        write(location, new byte[] {1}, WriteMode.OVERWRITE);
        assertThatThrownBy(() -> wrong.store().stat(location))
                .isInstanceOf(BlobAccessDeniedException.class)
                .satisfies(e -> assertThat(((BlobStoreException) e).retryable()).isFalse())
                .hasMessageContaining(location.toString())
                .hasMessageNotContaining(wrong.secret());
        assertThatThrownBy(() -> wrong.store().write(at("denied-write"), new ByteArrayInputStream(new byte[] {1}), WriteMode.OVERWRITE))
                .isInstanceOf(BlobAccessDeniedException.class)
                .hasMessageNotContaining(wrong.secret());
        assertThatThrownBy(() -> store().stat(at("denied-write"))).isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void appendAddsToTheEnd() throws IOException {
        SupportsAppend append = store().capability(SupportsAppend.class).orElse(null);
        assumeThat(append).as("backend declares append").isNotNull();
        Location location = at("appended");
        for (String piece : List.of("one,", "two,", "three")) {
            try (OutputStream out = append.append(location)) {
                out.write(piece.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(readAll(store().open(location))).asString(StandardCharsets.UTF_8).isEqualTo("one,two,three");
    }

    @Test
    void composeConcatenatesOnTheServer() throws IOException {
        SupportsCompose compose = store().capability(SupportsCompose.class).orElse(null);
        assumeThat(compose).as("backend declares compose").isNotNull();
        byte[] first = Payloads.bytes(21, (int) Math.max(partSize(), 1000));
        byte[] second = Payloads.bytes(22, 777);
        write(at("part-1"), first, WriteMode.OVERWRITE);
        write(at("part-2"), second, WriteMode.OVERWRITE);
        compose.compose(List.of(at("part-1"), at("part-2")), at("whole"), WriteMode.CREATE_IF_ABSENT);
        byte[] whole = readAll(store().open(at("whole")));
        assertThat(slice(whole, 0, first.length)).isEqualTo(first);
        assertThat(slice(whole, first.length, second.length)).isEqualTo(second);
        assertThat(whole).hasSize(first.length + second.length);
        assertThatThrownBy(() -> compose.compose(List.of(at("part-1")), at("whole"), WriteMode.CREATE_IF_ABSENT))
                .isInstanceOf(BlobExistsException.class);
    }

    @Test
    void renameMovesAtomicallyAndRefusesToReplace() throws IOException {
        SupportsRename rename = store().capability(SupportsRename.class).orElse(null);
        assumeThat(rename).as("backend declares rename").isNotNull();
        write(at("from"), "moved".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        write(at("occupied"), "stays".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        rename.rename(at("from"), at("sub/to"));
        assertThat(readAll(store().open(at("sub/to")))).asString(StandardCharsets.UTF_8).isEqualTo("moved");
        assertThatThrownBy(() -> store().stat(at("from"))).isInstanceOf(BlobNotFoundException.class);
        assertThatThrownBy(() -> rename.rename(at("sub/to"), at("occupied"))).isInstanceOf(BlobExistsException.class);
        assertThat(readAll(store().open(at("occupied")))).asString(StandardCharsets.UTF_8).isEqualTo("stays");
        assertThatThrownBy(() -> rename.rename(at("nothing"), at("elsewhere"))).isInstanceOf(BlobNotFoundException.class);
    }

    // --- helpers for subclasses and the tests above ---

    protected void write(Location location, byte[] content, WriteMode mode) throws IOException {
        store().write(location, new ByteArrayInputStream(content), mode);
    }

    protected void assertRoundTrip(Location location, byte[] content) throws IOException {
        write(location, content, WriteMode.CREATE_IF_ABSENT);
        assertThat(store().stat(location).size()).isEqualTo(content.length);
        assertThat(readAll(store().open(location))).isEqualTo(content);
    }

    protected List<BlobInfo> listAll(Location directory) throws IOException {
        List<BlobInfo> all = new ArrayList<>();
        BlobIterator it = store().list(directory);
        while (it.hasNext()) {
            all.add(it.next());
        }
        return all;
    }

    private List<String> names(Location directory) throws IOException {
        return listAll(directory).stream().map(i -> i.location().path()).toList();
    }

    protected static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    private static byte[] slice(byte[] data, int offset, int length) {
        byte[] out = new byte[length];
        System.arraycopy(data, offset, out, 0, length);
        return out;
    }
}
