package io.submarine.logshipper;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import io.submarine.logsegment.SegmentFormat;
import io.submarine.logsegment.SegmentIndex;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobIterator;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** What a stream's directory holds, read back as a user would: segments in key order, decompressed. */
record RemoteLog(List<String> keys, byte[] content, Map<String, ByteArrayOutputStream> bySource, List<SegmentIndex> indexes, Optional<String> complete) {

    static RemoteLog read(BlobStore store, Location directory) throws IOException {
        List<BlobInfo> segments = segments(store, directory);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        Map<String, ByteArrayOutputStream> bySource = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        List<SegmentIndex> indexes = new ArrayList<>();
        for (BlobInfo info : segments) {
            String name = info.location().fileName();
            keys.add(name);
            SegmentFormat format = SegmentFormat.ofObjectName(name).orElseThrow();
            byte[] data;
            try (InputStream raw = store.open(info.location());
                    InputStream in = format == SegmentFormat.ZSTD ? new ZstdInputStream(raw) : new GZIPInputStream(raw)) {
                data = in.readAllBytes();
            }
            SegmentIndex index = format.readIndex(store, info.location(), info.size());
            assertThat(index.sequence()).as("sequence of %s", name).isEqualTo(keys.size() - 1);
            assertThat(index.firstByte()).as("first byte of %s", name).isEqualTo(all.size());
            assertThat((long) data.length).as("bytes of %s", name).isEqualTo(index.bytes());
            for (SegmentIndex.Run run : index.runs()) {
                ByteArrayOutputStream source = bySource.computeIfAbsent(run.source(), s -> new ByteArrayOutputStream());
                assertThat(run.sourceByte()).as("run of %s in %s starts where the last ended", run.source(), name).isEqualTo(source.size());
                source.write(data, (int) run.segmentOffset(), (int) run.length());
            }
            all.write(data);
            indexes.add(index);
        }
        Optional<String> complete;
        try (InputStream in = store.open(directory.asDirectory().resolve("_COMPLETE"))) {
            complete = Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (BlobNotFoundException e) {
            complete = Optional.empty();
        }
        return new RemoteLog(keys, all.toByteArray(), bySource, indexes, complete);
    }

    /** The stream's segments in key order, listed only: far cheaper than {@link #read} on a remote of hundreds. */
    static List<BlobInfo> segments(BlobStore store, Location directory) throws IOException {
        List<BlobInfo> segments = new ArrayList<>();
        BlobIterator listing = store.list(directory.asDirectory());
        while (listing.hasNext()) {
            BlobInfo info = listing.next();
            if (SegmentFormat.sequenceOf(info.location().fileName()).isPresent()) {
                segments.add(info);
            }
        }
        segments.sort(java.util.Comparator.comparing(info -> info.location().fileName()));
        return segments;
    }

    long lines() {
        return indexes.isEmpty() ? 0 : indexes.get(indexes.size() - 1).endLine();
    }
}
