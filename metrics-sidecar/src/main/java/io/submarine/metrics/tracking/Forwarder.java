package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent.MlflowCalls;
import io.submarine.metastore.client.ReportRejectedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the journal's batches to the metastore, in order, as {@code mlflow-calls} reports whose
 * idempotency key is the pod and the batch's range of seq: a batch sent again after a restart is
 * applied at most once. Delivered or tried again later; no spool besides the journal.
 */
final class Forwarder implements JournalFollower.Sink {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_CALLS = 1000;
    static final long MAX_BYTES = 4L << 20;
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP = new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private final MetastoreClient metastore;
    private final PodIdentity identity;

    Forwarder(MetastoreClient metastore, PodIdentity identity) {
        this.metastore = metastore;
        this.identity = identity;
    }

    @Override
    public boolean take(List<Journal.Entry> batch, long first, long last) throws IOException {
        List<MlflowCalls.Call> calls = new ArrayList<>();
        for (Journal.Entry entry : batch) {
            if (!entry.call().startsWith("local/")) {
                calls.add(new MlflowCalls.Call(entry.call(), JSON.convertValue(entry.body(), MAP)));
            }
        }
        if (calls.isEmpty()) {
            return true;
        }
        MlflowCalls content = new MlflowCalls(calls);
        try {
            return metastore.deliver(new Report(content.kind(), identity, content.payload(), "mlflow/" + identity.podUid() + "/" + first + "-" + last));
        } catch (ReportRejectedException e) {
            // Not lost: the calls stay in the journal (and in storage), and the metastore said why it refused them.
            LOG.error("the metastore refused tracking calls {} to {} (they stay in the journal): {}", first, last, e.getMessage());
            return true;
        }
    }
}
