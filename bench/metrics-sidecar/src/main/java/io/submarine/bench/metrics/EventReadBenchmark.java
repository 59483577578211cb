package io.submarine.bench.metrics;

import io.submarine.metrics.events.Event;
import io.submarine.metrics.events.TfRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The sidecar's event-file reader (TFRecord framing with both CRCs, and every record decoded as an
 * Event for its scalars) against a plain CRC-32C pass over the same bytes through the same 1 MiB
 * reads: the floor, since every reader must check every byte's CRC. Alternating, best of
 * {@code rounds}, the file in the page cache (both read it once first).
 */
public final class EventReadBenchmark {
    private EventReadBenchmark() {}

    private record Pass(double seconds, long records, long scalars) {}

    /** Where the floor's CRCs go, so the JIT cannot drop the pass as unused. */
    private static long sink;

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.println("| event file (tensorboardX) | MiB | records | scalars | floor: CRC-32C MB/s | reader MB/s | reader / floor | scalar records/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (String dir : List.of(args[0], args[1])) {
            Path file = eventFile(Path.of(dir));
            long size = Files.size(file);
            floor(file);
            read(file);
            double[] floors = new double[rounds];
            double[] reads = new double[rounds];
            Pass pass = null;
            for (int round = 0; round < rounds; round++) {
                floors[round] = floor(file);
                pass = read(file);
                reads[round] = pass.seconds();
            }
            double floor = Arrays.stream(floors).min().orElseThrow();
            double reader = Arrays.stream(reads).min().orElseThrow();
            System.out.printf("| %s | %d | %d | %d | %.0f | %.0f | %.2f | %.2f M |%n", Path.of(dir).getFileName(), size >> 20, pass.records(),
                    pass.scalars(), size / floor / 1e6, size / reader / 1e6, floor / reader, pass.scalars() / reader / 1e6);
        }
    }

    private static Path eventFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().contains("tfevents")).findFirst()
                    .orElseThrow(() -> new IOException("no event file in " + dir));
        }
    }

    /** Seconds for one CRC-32C pass over the file's bytes. */
    private static double floor(Path file) throws IOException {
        long start = System.nanoTime();
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file)) {
            while (channel.read(buffer.clear()) > 0) {
                crc.update(buffer.flip());
            }
        }
        sink += crc.getValue();
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds for the sidecar's reader over the whole file, and what it found. */
    private static Pass read(Path file) throws IOException {
        long start = System.nanoTime();
        long records = 0;
        long scalars = 0;
        try (FileChannel channel = FileChannel.open(file)) {
            TfRecords.Scanner scanner = new TfRecords.Scanner(channel, 0, Long.MAX_VALUE);
            for (TfRecords.Read read = scanner.next(); !(read instanceof TfRecords.Incomplete); read = scanner.next()) {
                if (read instanceof TfRecords.Record record) {
                    records++;
                    scalars += Event.decode(record.data()).scalars().size();
                } else if (read instanceof TfRecords.BadLength bad) {
                    throw new IOException(file + " is damaged at byte " + bad.offset());
                }
            }
        }
        return new Pass((System.nanoTime() - start) / 1e9, records, scalars);
    }
}
