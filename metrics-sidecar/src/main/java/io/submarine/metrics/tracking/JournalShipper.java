package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import io.submarine.storage.BlobExistsException;
import io.submarine.storage.BlobStore;
import io.submarine.storage.Location;
import io.submarine.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ships the journal's batches to storage, as DESIGN.md lays them out:
 * {@code <pod root>/tracking/<run-id>/<first seq>.jsonl.zst}, one zstd-compressed JSON line
 * ({@code seq}, {@code call}, {@code body}) per call, a batch split by the run each call is for;
 * calls for no run (experiments, logged models after their creation) under {@code _pod}. Names are
 * the batch's first seq, 16 digits, so a batch shipped again after a restart has the same names,
 * and create-if-absent makes it a no-op: tracking survives the pod and the metastore's database,
 * and ships without a metastore at all.
 */
final class JournalShipper implements JournalFollower.Sink {

    static final String NO_RUN = "_pod";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlobStore store;
    private final Location root;

    /** @param root the pod's {@code tracking/} directory */
    JournalShipper(BlobStore store, Location root) {
        this.store = store;
        this.root = root.asDirectory();
    }

    @Override
    public boolean take(List<Journal.Entry> batch, long first, long last) throws IOException {
        Map<String, ByteArrayOutputStream> byRun = new LinkedHashMap<>();
        for (Journal.Entry entry : batch) {
            if (entry.call().startsWith("local/")) {
                continue;
            }
            ObjectNode line = JSON.createObjectNode().put("seq", entry.seq()).put("call", entry.call());
            line.set("body", entry.body());
            ByteArrayOutputStream lines = byRun.computeIfAbsent(runOf(entry), run -> new ByteArrayOutputStream());
            lines.write(JSON.writeValueAsBytes(line));
            lines.write('\n');
        }
        for (Map.Entry<String, ByteArrayOutputStream> run : byRun.entrySet()) {
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            try (ZstdOutputStream zstd = new ZstdOutputStream(compressed, 3)) {
                run.getValue().writeTo(zstd);
            }
            Location piece = root.resolve(run.getKey() + "/" + String.format("%016d", first) + ".jsonl.zst");
            try {
                store.write(piece, new ByteArrayInputStream(compressed.toByteArray()), WriteMode.CREATE_IF_ABSENT);
            } catch (BlobExistsException shippedBefore) {
                // The same batch, shipped before a restart: the same bytes under the same name.
            }
        }
        return true;
    }

    /** The run a call is for: its run_id (a logged model's source run at its creation), else none. */
    static String runOf(Journal.Entry entry) {
        String run = entry.body().path("run_id").asText("");
        if (run.isEmpty() && entry.call().equals("logged-models/create")) {
            run = entry.body().path("source_run_id").asText("");
        }
        return run.matches("[0-9a-f]{32}") ? run : NO_RUN;
    }
}
