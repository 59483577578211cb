package io.submarine.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.Location;
import io.submarine.storage.PartUploadOutputStream;
import io.submarine.storage.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;

/**
 * A single conditional upload for small objects, else staged blocks committed as a block list
 * with {@code If-None-Match: *} for create-if-absent. Uncommitted blocks are never visible and
 * Azure discards them, so an abort needs no call.
 */
final class AzureOutputStream extends PartUploadOutputStream {

    private final BlockBlobClient blob;
    private final WriteMode mode;
    private final String uploadPrefix = UUID.randomUUID().toString();

    AzureOutputStream(BlockBlobClient blob, Location location, WriteMode mode, int blockSize, int concurrency, Executor executor) {
        super(location, blockSize, concurrency, executor);
        this.blob = blob;
        this.mode = mode;
    }

    private BlobRequestConditions conditions() {
        return mode == WriteMode.CREATE_IF_ABSENT ? new BlobRequestConditions().setIfNoneMatch("*") : null;
    }

    @Override
    protected void putWhole(ByteBuffer data) throws IOException {
        try {
            blob.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromByteBuffer(data))
                    .setRequestConditions(conditions()), null, Context.NONE);
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    protected void begin() {
        // Blocks need no session: they are staged by id against the blob name.
    }

    @Override
    protected String uploadPart(int partNumber, ByteBuffer data) throws IOException {
        // Ids are unique per writer, so racing writers never stage over each other's blocks.
        String id = Base64.getEncoder().encodeToString(String.format("%s-%06d", uploadPrefix, partNumber).getBytes(StandardCharsets.US_ASCII));
        try {
            blob.stageBlock(id, BinaryData.fromByteBuffer(data));
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
        return id;
    }

    @Override
    protected void complete(List<String> blockIds) throws IOException {
        try {
            blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(blockIds)
                    .setRequestConditions(conditions()), null, Context.NONE);
        } catch (BlobStorageException e) {
            if (mode == WriteMode.CREATE_IF_ABSENT && BlobErrorCode.INVALID_BLOCK_LIST.equals(e.getErrorCode()) && blob.exists()) {
                // A racing writer committed first, and its commit discarded our uncommitted blocks.
                throw new BlobExistsException(location, "an object already exists here", e);
            }
            throw AzureErrors.classify(location, e);
        } catch (RuntimeException e) {
            throw AzureErrors.classify(location, e);
        }
    }

    @Override
    protected void abortUpload(IOException cause) {
        // Uncommitted blocks are invisible and garbage-collected by Azure.
    }
}
