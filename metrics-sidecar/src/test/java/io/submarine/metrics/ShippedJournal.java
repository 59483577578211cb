package io.submarine.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The tracking journal as the sidecar shipped it to a file:// storage: {@code .../tracking/<run>/<seq>.jsonl.zst}, read back. */
final class ShippedJournal {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShippedJournal() {}

    /** Every line shipped for {@code run} under {@code remote}, piece by piece in name order. */
    static List<JsonNode> lines(Path remote, String run) throws IOException {
        List<Path> pieces;
        try (Stream<Path> all = Files.walk(remote)) {
            pieces = all.filter(p -> p.getFileName().toString().endsWith(".jsonl.zst") && p.getParent().getFileName().toString().equals(run)
                    && p.getParent().getParent().getFileName().toString().equals("tracking")).sorted().toList();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (Path piece : pieces) {
            try (InputStream in = new ZstdInputStream(Files.newInputStream(piece));
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return lines;
    }

    /** The steps of {@code key}'s points in the lines, in order: log-batch calls are what the journal holds of metrics. */
    static List<Long> steps(List<JsonNode> lines, String key) {
        List<Long> steps = new ArrayList<>();
        for (JsonNode line : lines) {
            for (JsonNode point : line.path("body").path("metrics")) {
                if (point.path("key").asText().equals(key)) {
                    steps.add(point.path("step").asLong());
                }
            }
        }
        return steps;
    }
}
