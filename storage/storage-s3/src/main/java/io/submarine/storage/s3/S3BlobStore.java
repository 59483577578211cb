package io.submarine.storage.s3;

import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobFatalException;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.SupportsCompose;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code s3://bucket/key} on the AWS SDK v2. Writes of up to one part are a single conditional
 * PutObject; longer writes are multipart uploads whose parts upload in the background while the
 * next part fills, completed with {@code If-None-Match: *} for create-if-absent, and aborted on
 * any failure so no part lingers. Compose is a server-side multipart copy.
 */
final class S3BlobStore implements BlobStore, SupportsCompose {

    private static final int DELETE_BATCH = 1000;

    private final S3Client client;
    private final S3BlobStoreConfig config;
    private final ExecutorService uploads;

    S3BlobStore(S3Client client, S3BlobStoreConfig config) {
        this.client = client;
        this.config = config;
        this.uploads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "s3-upload");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        S3Location s3 = S3Location.of(location);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(s3.bucket()).key(s3.key()));
            return new BlobInfo(location, head.contentLength(), head.lastModified(), head.eTag());
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    public InputStream open(Location location) throws IOException {
        S3Location s3 = S3Location.of(location);
        try {
            return client.getObject(b -> b.bucket(s3.bucket()).key(s3.key()));
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        S3Location s3 = S3Location.of(location);
        if (length == 0) {
            stat(location);
            return InputStream.nullInputStream();
        }
        long last = length > Long.MAX_VALUE - offset ? Long.MAX_VALUE - 1 : offset + length - 1;
        try {
            return client.getObject(b -> b.bucket(s3.bucket()).key(s3.key()).range("bytes=" + offset + "-" + last));
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                // The range starts at or past the end: an empty read, once we know the object exists.
                stat(location);
                return InputStream.nullInputStream();
            }
            throw S3Errors.classify(location, e);
        } catch (SdkException e) {
            throw S3Errors.classify(location, e);
        }
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) {
        return new S3OutputStream(client, uploads, location, S3Location.of(location), mode, config.partSize(), config.uploadConcurrency());
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        S3Location s3 = S3Location.of(directory.asDirectory());
        ListObjectsV2Request first = ListObjectsV2Request.builder()
                .bucket(s3.bucket()).prefix(s3.key()).maxKeys(config.listPageSize()).build();
        return new AbstractBlobIterator() {
            private ListObjectsV2Request next = first;
            private Iterator<S3Object> page = List.<S3Object>of().iterator();

            @Override
            protected BlobInfo computeNext() throws IOException {
                while (!page.hasNext() && next != null) {
                    ListObjectsV2Response response;
                    try {
                        response = client.listObjectsV2(next);
                    } catch (SdkException e) {
                        throw S3Errors.classify(directory, e);
                    }
                    page = response.contents().iterator();
                    next = Boolean.TRUE.equals(response.isTruncated())
                            ? next.toBuilder().continuationToken(response.nextContinuationToken()).build()
                            : null;
                }
                if (!page.hasNext()) {
                    return null;
                }
                S3Object object = page.next();
                return new BlobInfo(new Location(directory.scheme(), s3.bucket(), object.key()),
                        object.size(), object.lastModified(), object.eTag());
            }
        };
    }

    @Override
    public void delete(Location location) throws IOException {
        S3Location s3 = S3Location.of(location);
        try {
            client.deleteObject(b -> b.bucket(s3.bucket()).key(s3.key()));
        } catch (SdkException e) {
            IOException typed = S3Errors.classify(location, e);
            if (!(typed instanceof BlobNotFoundException)) {
                throw typed;
            }
        }
    }

    @Override
    public void deleteAll(Collection<Location> locations) throws IOException {
        Map<String, List<Location>> byBucket = new LinkedHashMap<>();
        for (Location location : locations) {
            byBucket.computeIfAbsent(S3Location.of(location).bucket(), b -> new ArrayList<>()).add(location);
        }
        for (Map.Entry<String, List<Location>> bucket : byBucket.entrySet()) {
            List<Location> all = bucket.getValue();
            for (int from = 0; from < all.size(); from += DELETE_BATCH) {
                List<Location> batch = all.subList(from, Math.min(all.size(), from + DELETE_BATCH));
                List<ObjectIdentifier> keys = batch.stream()
                        .map(l -> ObjectIdentifier.builder().key(S3Location.of(l).key()).build()).toList();
                DeleteObjectsResponse response;
                try {
                    response = client.deleteObjects(b -> b.bucket(bucket.getKey()).delete(Delete.builder().objects(keys).quiet(true).build()));
                } catch (SdkException e) {
                    throw S3Errors.classify(batch.get(0), e);
                }
                if (response.hasErrors() && !response.errors().isEmpty()) {
                    var error = response.errors().get(0);
                    throw new BlobFatalException(new Location(batch.get(0).scheme(), bucket.getKey(), error.key()),
                            "S3 batch delete failed for " + response.errors().size() + " objects, first: " + error.code());
                }
            }
        }
    }

    @Override
    public void compose(List<Location> sources, Location target, WriteMode mode) throws IOException {
        S3Location to = S3Location.of(target);
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(to.bucket()).key(to.key())).uploadId();
        } catch (SdkException e) {
            throw S3Errors.classify(target, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                S3Location from = S3Location.of(sources.get(i));
                int partNumber = i + 1;
                String etag;
                try {
                    etag = client.uploadPartCopy(b -> b.sourceBucket(from.bucket()).sourceKey(from.key())
                            .destinationBucket(to.bucket()).destinationKey(to.key())
                            .uploadId(uploadId).partNumber(partNumber)).copyPartResult().eTag();
                } catch (SdkException e) {
                    throw S3Errors.classify(sources.get(i), e);
                }
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            try {
                client.completeMultipartUpload(b -> {
                    b.bucket(to.bucket()).key(to.key()).uploadId(uploadId)
                            .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build());
                    if (mode == WriteMode.CREATE_IF_ABSENT) {
                        b.ifNoneMatch("*");
                    }
                });
            } catch (SdkException e) {
                throw S3Errors.classify(target, e);
            }
        } catch (IOException | RuntimeException e) {
            S3OutputStream.abortQuietly(client, to, uploadId, e);
            throw e;
        }
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        client.close();
    }
}
