package io.submarine.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.submarine.storage.AbstractBlobIterator;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobOutputStream;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.SupportsAppend;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Azure Blob Storage on the Azure Storage Blob SDK: block blobs for objects (staged blocks,
 * committed last), append blobs for {@link SupportsAppend}. Works on accounts with and without
 * a hierarchical namespace; directory marker blobs of the latter are not objects and are skipped.
 */
final class AzureBlobStore implements BlobStore, SupportsAppend {

    /** Azure's limit for one appended block. */
    private static final int APPEND_BLOCK = 4 << 20;
    private static final int READ_CHUNK = 4 << 20;

    private final Function<String, BlobServiceClient> clients;
    private final AzureBlobStoreConfig config;
    private final ExecutorService uploads;

    AzureBlobStore(Function<String, BlobServiceClient> clients, AzureBlobStoreConfig config) {
        this.clients = clients;
        this.config = config;
        this.uploads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "azure-upload");
            thread.setDaemon(true);
            return thread;
        });
    }

    private BlobContainerClient container(AzureLocation azure) {
        return clients.apply(azure.account()).getBlobContainerClient(azure.container());
    }

    private BlobClient blob(Location location) {
        AzureLocation azure = AzureLocation.of(location);
        return container(azure).getBlobClient(azure.key());
    }

    @Override
    public BlobInfo stat(Location location) throws IOException {
        try {
            BlobProperties properties = blob(location).getProperties();
            if ("true".equals(properties.getMetadata().get("hdi_isfolder"))) {
                throw new BlobNotFoundException(location, "Azure: a directory, not an object");
            }
            return new BlobInfo(location, properties.getBlobSize(), properties.getLastModified().toInstant(), properties.getETag());
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    public InputStream open(Location location) throws IOException {
        return open(location, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream open(Location location, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        if (length == 0) {
            stat(location);
            return InputStream.nullInputStream();
        }
        try {
            BlobRange range = length == Long.MAX_VALUE ? new BlobRange(offset) : new BlobRange(offset, length);
            return blob(location).openInputStream(new BlobInputStreamOptions().setRange(range).setBlockSize(READ_CHUNK));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 416) {
                // The range starts at or past the end: an empty read, once we know the blob exists.
                stat(location);
                return InputStream.nullInputStream();
            }
            throw AzureErrors.classify(location, e);
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    public BlobOutputStream create(Location location, WriteMode mode) throws IOException {
        try {
            return new AzureOutputStream(blob(location).getBlockBlobClient(), location, mode,
                    config.blockSize(), config.uploadConcurrency(), uploads);
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    public BlobOutputStream append(Location location) throws IOException {
        AppendBlobClient appendBlob;
        try {
            appendBlob = blob(location).getAppendBlobClient();
            appendBlob.createIfNotExists();
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
        return new BlobOutputStream() {
            private final byte[] block = new byte[APPEND_BLOCK];
            private int filled;
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    if (filled == block.length) {
                        flush();
                    }
                    int n = Math.min(len, block.length - filled);
                    System.arraycopy(b, off, block, filled, n);
                    filled += n;
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void flush() throws IOException {
                if (filled == 0) {
                    return;
                }
                try {
                    appendBlob.appendBlock(BinaryData.fromBytes(java.util.Arrays.copyOf(block, filled)).toStream(), filled);
                } catch (RuntimeException e) {
                    throw AzureErrors.classify(location, e);
                }
                filled = 0;
            }

            @Override
            public void abort() {
                done = true;
                filled = 0;
            }

            @Override
            public void close() throws IOException {
                if (!done) {
                    done = true;
                    flush();
                }
            }
        };
    }

    @Override
    public BlobIterator list(Location directory) throws IOException {
        Location dir = directory.asDirectory();
        AzureLocation azure = AzureLocation.of(dir);
        Iterator<BlobItem> items;
        try {
            items = container(azure).listBlobs(new ListBlobsOptions().setPrefix(azure.key())
                    .setMaxResultsPerPage(config.listPageSize())
                    .setDetails(new BlobListDetails().setRetrieveMetadata(true)), null).iterator();
        } catch (RuntimeException e) {
            throw AzureErrors.classify(dir, e);
        }
        return new AbstractBlobIterator() {
            @Override
            protected BlobInfo computeNext() throws IOException {
                try {
                    while (items.hasNext()) {
                        BlobItem item = items.next();
                        boolean folder = item.getMetadata() != null && "true".equals(item.getMetadata().get("hdi_isfolder"));
                        if (!folder && !Boolean.TRUE.equals(item.isPrefix())) {
                            return new BlobInfo(AzureLocation.sibling(dir, item.getName()), item.getProperties().getContentLength(),
                                    item.getProperties().getLastModified().toInstant(), item.getProperties().getETag());
                        }
                    }
                    return null;
                } catch (BlobStorageException e) {
                    if (e.getStatusCode() == 404) {
                        return null; // no container: nothing below
                    }
                    throw AzureErrors.classify(dir, e);
                } catch (RuntimeException e) {
                    throw AzureErrors.classify(dir, e);
                }
            }
        };
    }

    @Override
    public void delete(Location location) throws IOException {
        try {
            blob(location).deleteIfExists();
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    public void close() {
        uploads.shutdownNow();
    }
}
