package io.submarine.storage.s3;

import io.submarine.storage.Location;
import io.submarine.storage.PartUploadOutputStream;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A single PutObject for small objects, else a multipart upload; both conditional for
 * create-if-absent. Part buffers are handed to the SDK without a copy: each part has its own.
 */
final class S3OutputStream extends PartUploadOutputStream {

    private final S3Client client;
    private final S3Location s3;
    private final WriteMode mode;
    private String uploadId;

    S3OutputStream(S3Client client, Executor uploads, Location location, S3Location s3, WriteMode mode, int partSize, int concurrency) {
        super(location, partSize, concurrency, uploads);
        this.client = client;
        this.s3 = s3;
        this.mode = mode;
    }

    @Override
    protected void putWhole(ByteBuffer data) throws IOException {
        try {
            client.putObject(b -> {
                b.bucket(s3.bucket()).key(s3.key());
                if (mode == WriteMode.CREATE_IF_ABSENT) {
                    b.ifNoneMatch("*");
                }
            }, body(data));
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    protected void begin() throws IOException {
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(s3.bucket()).key(s3.key())).uploadId();
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    protected String uploadPart(int partNumber, ByteBuffer data) throws IOException {
        try {
            return client.uploadPart(b -> b.bucket(s3.bucket()).key(s3.key()).uploadId(uploadId).partNumber(partNumber),
                    body(data)).eTag();
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    protected void complete(List<String> etags) throws IOException {
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 0; i < etags.size(); i++) {
            parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i)).build());
        }
        try {
            client.completeMultipartUpload(b -> {
                b.bucket(s3.bucket()).key(s3.key()).uploadId(uploadId)
                        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build());
                if (mode == WriteMode.CREATE_IF_ABSENT) {
                    b.ifNoneMatch("*");
                }
            });
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    /** The part as a body the SDK can re-read on a retry, without copying it. */
    private static RequestBody body(ByteBuffer data) {
        byte[] array = data.array();
        int offset = data.arrayOffset() + data.position();
        int length = data.remaining();
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(array, offset, length), length, "application/octet-stream");
    }

    @Override
    protected void abortUpload(IOException cause) {
        abortQuietly(client, s3, uploadId, cause);
    }

    static void abortQuietly(S3Client client, S3Location s3, String uploadId, Exception cause) {
        try {
            client.abortMultipartUpload(b -> b.bucket(s3.bucket()).key(s3.key()).uploadId(uploadId));
        } catch (SdkException e) {
            // The server may be gone; a bucket lifecycle rule for incomplete uploads cleans up. Keep the first failure.
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }
}
