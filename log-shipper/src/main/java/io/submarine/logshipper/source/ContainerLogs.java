package io.submarine.logshipper.source;

import io.submarine.logshipper.ship.LogStream;
import io.submarine.logsegment.Position;
import io.submarine.logshipper.ship.Shipper;
import io.submarine.logshipper.ship.ShipperMetrics;
import io.submarine.logshipper.ship.Uploader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdout and stderr of the pod's other containers, from the Kubernetes API: one thread per
 * container follows {@code pods/log} with timestamps, into stream {@code logs/<container>/<restart>}.
 *
 * <p>A line's timestamp is its position: after a dropped connection or a restart of the shipper,
 * the log is asked for again from that second ({@code sinceTime}) and the lines already shipped
 * are skipped. When the container restarts, the rest of the instance that ended is read with
 * {@code previous=true} before following the new one in its own stream.
 */
public final class ContainerLogs implements Shipper.Source {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerLogs.class);

    /** Opens (recovering where it stands) the stream of one run of a container. */
    @FunctionalInterface
    public interface Streams {
        LogStream open(String container, int restart) throws IOException;
    }

    private final KubeApi api;
    private final List<String> containers;
    private final Streams streams;
    private final ShipperMetrics metrics;
    private final Uploader uploader;
    private final Duration reconnectWait;
    private final int maxLineBytes;
    private final Map<String, Boolean> finished = new ConcurrentHashMap<>();
    private final Map<String, InputStream> reading = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Throwable failure;

    public ContainerLogs(KubeApi api, List<String> containers, Streams streams, ShipperMetrics metrics, Uploader uploader, Duration reconnectWait,
            int maxLineBytes) {
        this.api = api;
        this.containers = List.copyOf(containers);
        this.streams = streams;
        this.metrics = metrics;
        this.uploader = uploader;
        this.reconnectWait = reconnectWait;
        this.maxLineBytes = maxLineBytes;
    }

    public void start() {
        for (String container : containers) {
            Thread thread = new Thread(() -> followUntilDone(container), "logs-" + container);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** True once every container has terminated for good and its log is read. */
    public boolean done() {
        return finished.size() == containers.size();
    }

    public Throwable failure() {
        return failure;
    }

    private void followUntilDone(String container) {
        try {
            KubeApi.ContainerStatus status = awaitStatus(container);
            int restart = status.restartCount();
            LogStream stream = streams.open(container, restart);
            boolean ended = false;
            while (!stopping) {
                if (ended) {
                    // The API closed the log: the container stopped, or the connection was cut. A
                    // restart shows in the status only after a moment; look then, not before.
                    Thread.sleep(reconnectWait.toMillis());
                }
                status = awaitStatus(container);
                if (status.restartCount() > restart) {
                    LOG.info("container {} restarted; reading the rest of run {} and following run {}", container, restart, status.restartCount());
                    read(container, stream, true);
                    stream.seal();
                    restart = status.restartCount();
                    stream = streams.open(container, restart);
                    ended = false;
                    continue;
                }
                if (ended && status.terminated()) {
                    LOG.info("container {} terminated; its log is read", container);
                    finished.put(container, true);
                    return;
                }
                ended = read(container, stream, false);
                if (!ended && !stopping) {
                    Thread.sleep(reconnectWait.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (KubeApi.KubeAccessDeniedException e) {
            failure = e;
            LOG.error("{}", e.getMessage());
        } catch (IOException | RuntimeException | Error e) { // an Error too: a follower that dies unseen ships nothing
            if (!stopping) {
                failure = e;
                LOG.error("following the log of container {} failed: {}", container, e.toString());
            }
        }
    }

    private KubeApi.ContainerStatus awaitStatus(String container) throws IOException, InterruptedException {
        while (true) {
            try {
                Optional<KubeApi.ContainerStatus> status = api.container(container);
                if (status.isPresent()) {
                    return status.get();
                }
                LOG.info("pod has no container {} yet", container);
            } catch (KubeApi.KubeAccessDeniedException e) {
                throw e;
            } catch (IOException e) {
                LOG.warn("cannot get the pod's status now: {}", e.getMessage());
            }
            Thread.sleep(reconnectWait.toMillis());
        }
    }

    /**
     * Reads the log from where the stream stands until it ends or the connection drops.
     *
     * @return true if it ended cleanly (the API closed it: the container stopped, or {@code previous})
     */
    private boolean read(String container, LogStream stream, boolean previous) throws IOException, InterruptedException {
        String source = "kubernetes:" + container;
        int generation = stream.generation();
        Position position = stream.position(source);
        Instant anchor = position.anchor().isEmpty() ? null : Instant.parse(position.anchor());
        long skipAtAnchor = position.offset();
        InputStream response;
        try {
            response = api.log(container, previous, anchor);
        } catch (KubeApi.KubeAccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            LOG.warn("cannot read the log of {} now: {}", container, e.getMessage());
            return false;
        }
        reading.put(container, response);
        try (InputStream in = new BufferedInputStream(response, 64 * 1024)) {
            byte[] line = new byte[8192];
            while (!stopping) {
                int length = 0;
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    if (length == line.length) {
                        line = Arrays.copyOf(line, Math.min(line.length * 2, maxLineBytes + 64));
                        if (length == line.length) {
                            break;
                        }
                    }
                    line[length++] = (byte) b;
                }
                if (b == -1 && length == 0) {
                    return true;
                }
                int space = indexOf(line, length, (byte) ' ');
                Instant time;
                try {
                    time = Instant.parse(new String(line, 0, space < 0 ? length : space, StandardCharsets.US_ASCII));
                } catch (DateTimeParseException e) {
                    throw new IOException("the Kubernetes API sent a log line without a timestamp; is timestamps=true honored?");
                }
                if (anchor != null && time.isBefore(anchor)) {
                    continue;
                }
                if (anchor != null && time.equals(anchor) && skipAtAnchor > 0) {
                    skipAtAnchor--;
                    continue;
                }
                int start = space < 0 ? length : space + 1;
                line = ensureRoom(line, length);
                line[length] = '\n';
                int contentLength = length + 1 - start;
                Position before = stream.position(source);
                long atSameTime = time.toString().equals(before.anchor()) ? before.offset() + 1 : 1;
                Position after = new Position(time.toString(), "", atSameTime, before.bytes() + contentLength, before.lines() + 1);
                uploader.awaitRoom();
                if (!stream.append(source, generation, line, start, contentLength, 1, after)) {
                    return false;
                }
                metrics.read(contentLength, 1);
                anchor = null;
            }
            return false;
        } catch (IOException e) {
            if (!stopping) {
                LOG.warn("the log of {} was cut off: {}; reconnecting", container, e.getMessage());
            }
            return false;
        } finally {
            reading.remove(container);
        }
    }

    private static byte[] ensureRoom(byte[] line, int length) {
        return length < line.length ? line : Arrays.copyOf(line, line.length + 1);
    }

    private static int indexOf(byte[] data, int length, byte value) {
        for (int i = 0; i < length; i++) {
            if (data[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Stops following. What the API already sent is in the streams; a log the API still holds
     * is read on the next start from the last shipped line's timestamp.
     */
    @Override
    public void drain(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        // Followers of terminated containers are done already; give the others a moment for lines in flight.
        while (!done() && System.nanoTime() < end - timeout.toNanos() / 2) {
            Thread.sleep(50);
        }
        stopping = true;
        for (InputStream in : reading.values()) {
            try {
                in.close();
            } catch (IOException ignored) {
                // Closing only cuts the connection.
            }
        }
        for (Thread thread : threads) {
            thread.interrupt();
            thread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        }
    }
}
