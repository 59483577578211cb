package io.submarine.metrics.tracking;

import io.submarine.logsegment.StateFile;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the journal's entries in order, in batches, and hands each batch to a sink until the sink
 * has it. Each batch's range of seq is saved before it is handed over, so after a restart exactly
 * that batch goes again, under the same key or name, which makes it a no-op where it had arrived.
 * The metastore's forwarding and the shipping to storage each follow the journal this way, each
 * from its own position, neither waiting for the other.
 */
final class JournalFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFollower.class);

    /** Where the batches go. */
    interface Sink {
        /**
         * Takes the entries of seq {@code first} to {@code last}; false when it cannot now (tried
         * again after the retry pause). The same range may come again after a restart.
         */
        boolean take(List<Journal.Entry> batch, long first, long last) throws IOException;
    }

    /** Where following stood: the next seq to take, and the batch being handed over (null if none). */
    record Position(long next, long[] sending) {
        @SuppressWarnings("unchecked")
        static Position load(StateFile state) throws IOException {
            Object saved = state.load().orElse(null);
            if (saved == null) {
                return new Position(1, null);
            }
            Map<String, Object> fields = (Map<String, Object>) saved;
            List<Number> batch = (List<Number>) fields.get("sending");
            return new Position(((Number) fields.get("next")).longValue(),
                    batch == null ? null : new long[] {batch.get(0).longValue(), batch.get(1).longValue()});
        }
    }

    private final String name;
    private final Journal.Reader reader;
    private final Sink sink;
    private final StateFile state;
    private final int maxEntries;
    private final long maxBytes;
    private final Duration retry;
    private final Thread thread;
    private final AtomicLong doneBytes = new AtomicLong();
    private final Object wake = new Object();
    private volatile boolean closed;
    private long next;
    private long[] sending;

    private JournalFollower(String name, Journal journal, Sink sink, StateFile state, Position position, int maxEntries, long maxBytes, Duration retry) {
        this.name = name;
        this.reader = journal.reader();
        this.sink = sink;
        this.state = state;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.retry = retry;
        this.next = position.next();
        this.sending = position.sending();
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Follows {@code journal} from {@code position} into {@code sink}, in batches of at most
     * {@code maxEntries} entries and {@code maxBytes} bytes.
     *
     * @param doneBytes the journal's bytes before {@code position}, already taken
     */
    static JournalFollower start(String name, Journal journal, Sink sink, StateFile state, Position position, long doneBytes, int maxEntries,
            long maxBytes, Duration retry) {
        JournalFollower follower = new JournalFollower(name, journal, sink, state, position, maxEntries, maxBytes, retry);
        follower.doneBytes.set(doneBytes);
        follower.thread.start();
        return follower;
    }

    /** Journal bytes the sink has. */
    long doneBytes() {
        return doneBytes.get();
    }

    /** Something new is in the journal. */
    void poke() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        while (!closed) {
            boolean taken;
            try {
                taken = once();
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: handing tracking calls on failed, retrying in {}: {}", name, retry, e.toString());
                taken = false;
            }
            if (!taken) {
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

    /** Hands one batch over, if there is one; false when there was nothing or the sink could not take it. */
    boolean once() throws IOException {
        long[] resumed;
        long first;
        synchronized (this) {
            resumed = sending;
            first = resumed != null ? resumed[0] : next;
        }
        List<Journal.Entry> entries = reader.read(first, maxEntries);
        if (entries.isEmpty()) {
            return false;
        }
        long last;
        if (resumed != null) {
            // Exactly the batch saved before a restart.
            last = resumed[1];
            entries = entries.stream().filter(e -> e.seq() <= last).toList();
        } else {
            List<Journal.Entry> batch = new ArrayList<>();
            long bytes = 0;
            for (Journal.Entry entry : entries) {
                if (!batch.isEmpty() && bytes + entry.bytes() > maxBytes) {
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
        if (!sink.take(entries, first, last)) {
            return false;
        }
        synchronized (this) {
            next = last + 1;
            sending = null;
            save();
        }
        doneBytes.addAndGet(entries.stream().mapToLong(Journal.Entry::bytes).sum());
        return true;
    }

    private void save() throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
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
