package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.logsegment.StateFile;
import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent.MlflowCalls;
import io.submarine.metastore.client.ReportRejectedException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the journal to the metastore in order, as {@code mlflow-calls} reports. Each batch's
 * range of seq is saved before it is sent, and its idempotency key is the pod and that range: a
 * restart sends exactly that batch again, which the metastore applies at most once.
 */
final class Forwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CALLS = 1000;
    private static final long MAX_BYTES = 4L << 20;
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP = new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private final Journal journal;
    private final MetastoreClient metastore;
    private final PodIdentity identity;
    private final StateFile state;
    private final Duration retry;
    private final Thread thread;
    private final AtomicLong forwardedBytes = new AtomicLong();
    private final Object wake = new Object();
    private volatile boolean closed;
    private long next;
    /** The batch saved as being sent, first and last seq; null when none is. */
    private long[] sending;

    private Forwarder(Journal journal, MetastoreClient metastore, PodIdentity identity, StateFile state, Duration retry, long next, long[] sending) {
        this.journal = journal;
        this.metastore = metastore;
        this.identity = identity;
        this.state = state;
        this.retry = retry;
        this.next = next;
        this.sending = sending;
        this.thread = new Thread(this::run, "tracking-forwarder");
        this.thread.setDaemon(true);
    }

    /** Where forwarding stood: the next seq to send, and the batch being sent (null if none). */
    record Position(long next, long[] sending) {}

    @SuppressWarnings("unchecked")
    static Position load(StateFile state) throws IOException {
        Object saved = state.load().orElse(null);
        if (saved == null) {
            return new Position(1, null);
        }
        Map<String, Object> fields = (Map<String, Object>) saved;
        List<Number> batch = (List<Number>) fields.get("sending");
        return new Position(((Number) fields.get("next")).longValue(), batch == null ? null : new long[] {batch.get(0).longValue(), batch.get(1).longValue()});
    }

    static Forwarder start(Journal journal, MetastoreClient metastore, PodIdentity identity, StateFile state, Position position, long forwardedBytes,
            Duration retry) {
        Forwarder forwarder = new Forwarder(journal, metastore, identity, state, retry, position.next(), position.sending());
        forwarder.forwardedBytes.set(forwardedBytes);
        forwarder.thread.start();
        return forwarder;
    }

    /** Journal bytes the metastore has. */
    long forwardedBytes() {
        return forwardedBytes.get();
    }

    /** Something new is in the journal. */
    void poke() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        while (!closed) {
            boolean sent;
            try {
                sent = forwardOnce();
            } catch (IOException | RuntimeException e) {
                LOG.warn("forwarding tracking calls to the metastore failed, retrying in {}: {}", retry, e.toString());
                sent = false;
            }
            if (!sent) {
                synchronized (wake) {
                    try {
                        wake.wait(retry.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Sends one batch, if there is one; false when there was nothing to send or the metastore could not take it. */
    boolean forwardOnce() throws IOException {
        long[] resumed;
        long first;
        synchronized (this) {
            resumed = sending;
            first = resumed != null ? resumed[0] : next;
        }
        List<Journal.Entry> entries = journal.read(first, MAX_CALLS);
        if (entries.isEmpty()) {
            return false;
        }
        long last;
        if (resumed != null) {
            // Exactly the batch saved before a restart, under the same key.
            last = resumed[1];
            entries = entries.stream().filter(e -> e.seq() <= last).toList();
        } else {
            List<Journal.Entry> batch = new ArrayList<>();
            long bytes = 0;
            for (Journal.Entry entry : entries) {
                if (!batch.isEmpty() && bytes + entry.bytes() > MAX_BYTES) {
                    break;
                }
                batch.add(entry);
                bytes += entry.bytes();
            }
            entries = batch;
            last = batch.get(batch.size() - 1).seq();
            synchronized (this) {
                sending = new long[] {first, last};
                save();
            }
        }
        List<MlflowCalls.Call> calls = new ArrayList<>();
        for (Journal.Entry entry : entries) {
            if (!entry.call().startsWith("local/")) {
                calls.add(new MlflowCalls.Call(entry.call(), JSON.convertValue(entry.body(), MAP)));
            }
        }
        if (!calls.isEmpty()) {
            MlflowCalls content = new MlflowCalls(calls);
            try {
                // Delivered or tried again later: the journal keeps the calls until the metastore has them, no spool besides.
                if (!metastore.deliver(new Report(content.kind(), identity, content.payload(), "mlflow/" + identity.podUid() + "/" + first + "-" + last))) {
                    return false;
                }
            } catch (ReportRejectedException e) {
                // Not lost: the calls stay in the journal, and the metastore said why it refused them.
                LOG.error("the metastore refused tracking calls {} to {} (they stay in the journal): {}", first, last, e.getMessage());
            }
        }
        synchronized (this) {
            next = last + 1;
            sending = null;
            save();
        }
        forwardedBytes.addAndGet(entries.stream().mapToLong(Journal.Entry::bytes).sum());
        return true;
    }

    private void save() throws IOException {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("next", next);
        if (sending != null) {
            fields.put("sending", List.of(sending[0], sending[1]));
        }
        state.save(fields);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
