package io.submarine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import io.submarine.storage.WriteMode;
import io.submarine.storage.testing.Payloads;
import io.submarine.storage.testing.S3ProxyServer;
import io.submarine.storage.testing.BlobStoreContractTest;
import io.submarine.storage.testing.ServerControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** s3:// against s3proxy, a real S3 endpoint in its own process (see {@link S3ProxyServer}). */
class S3BlobStoreContractTest extends BlobStoreContractTest {

    private static final String BUCKET = "contract";
    private static final int PART_SIZE = 5 << 20;
    private static final int PAGE_SIZE = 4;

    @TempDir
    static Path work;

    private static S3ProxyServer server;
    private static BlobStore store;
    private static BlobStore wrongStore;
    private static S3Client raw;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start(work.resolve("s3proxy"));
        raw = S3Client.builder().endpointOverride(URI.create(server.endpoint())).region(Region.US_EAST_1)
                .forcePathStyle(true).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL)))
                .build();
        raw.createBucket(b -> b.bucket(BUCKET));
        store = storeWith(S3ProxyServer.credentialFiles(work.resolve("creds"), S3ProxyServer.IDENTITY, S3ProxyServer.CREDENTIAL));
        wrongStore = storeWith(S3ProxyServer.credentialFiles(work.resolve("wrong"), S3ProxyServer.IDENTITY, "not-the-secret-1234"));
    }

    private static BlobStore storeWith(Map<String, String> credentials) {
        Map<String, String> settings = new HashMap<>(credentials);
        settings.put("s3.endpoint", server.endpoint());
        settings.put("s3.part-size", Integer.toString(PART_SIZE));
        settings.put("s3.list-page-size", Integer.toString(PAGE_SIZE));
        return new S3BlobStoreProvider().create(StorageConfig.of(settings));
    }

    @AfterAll
    static void stopServer() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {store, wrongStore, raw, server}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected Location root() {
        return Location.of("s3://" + BUCKET + "/contract/");
    }

    @Override
    protected long partSize() {
        return PART_SIZE;
    }

    @Override
    protected int listPageSize() {
        return PAGE_SIZE;
    }

    @Override
    protected Optional<ServerControl> serverControl() {
        return Optional.of(server.control());
    }

    @Override
    protected Optional<WrongCredentials> wrongCredentials() {
        return Optional.of(new WrongCredentials(wrongStore, "not-the-secret-1234"));
    }

    /** The server itself answers 412 to If-None-Match: * on both kinds of write; our exists-error rests on it. */
    @Test
    void serverAnswers412ToConditionalPutAndMultipartCompletion() {
        String key = "raw/conditional";
        raw.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("first"));
        assertThatThrownBy(() -> raw.putObject(b -> b.bucket(BUCKET).key(key).ifNoneMatch("*"), RequestBody.fromString("second")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));

        String uploadId = raw.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        String etag = raw.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(1), RequestBody.fromString("part")).eTag();
        assertThatThrownBy(() -> raw.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).ifNoneMatch("*")
                        .multipartUpload(CompletedMultipartUpload.builder().parts(List.of(CompletedPart.builder().partNumber(1).eTag(etag).build())).build())))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(raw.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("first");
    }

    @Test
    void failedWritesLeaveNoMultipartUploadBehind() throws Exception {
        Location failing = at("failing-multipart");
        InputStream brokenAfterTwoParts = new SequenceInputStream(Payloads.stream(1, 2L * PART_SIZE + 10), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("source broke");
            }
        });
        assertThatThrownBy(() -> store.write(failing, brokenAfterTwoParts, WriteMode.OVERWRITE)).hasMessage("source broke");

        Location losing = at("losing-multipart");
        write(losing, new byte[] {1}, WriteMode.OVERWRITE);
        assertThatThrownBy(() -> store.write(losing, Payloads.stream(2, 2L * PART_SIZE + 10), WriteMode.CREATE_IF_ABSENT))
                .isInstanceOf(BlobExistsException.class);

        for (Location location : List.of(failing, losing)) {
            String key = location.path();
            assertThat(raw.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads()).as(key).isEmpty();
        }
    }
}
