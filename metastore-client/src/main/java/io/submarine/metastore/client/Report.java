package io.submarine.metastore.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * One report: who sends it, what it is about, its payload, and the idempotency key the
 * metastore deduplicates by. The key is a digest of all three unless the reporter names one
 * (a log segment's key, say), so the same report sent twice is one report.
 */
public record Report(ReportKind kind, PodIdentity identity, Map<String, Object> payload, String idempotencyKey) {

    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public Report {
        payload = Map.copyOf(payload);
        if (idempotencyKey == null) {
            idempotencyKey = derivedKey(kind, identity, payload);
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
            throw new IllegalArgumentException("idempotency key must be 1 to 200 characters");
        }
    }

    /** A report of {@code content} from {@code identity}, its idempotency key derived from both. */
    public static Report of(PodIdentity identity, ReportContent content) {
        return new Report(content.kind(), identity, content.payload(), null);
    }

    private static String derivedKey(ReportKind kind, PodIdentity identity, Map<String, Object> payload) {
        try {
            Map<String, Object> all = new TreeMap<>();
            all.put("kind", kind.name());
            all.put("identity", identity);
            all.put("payload", payload);
            byte[] canonical = CANONICAL.writeValueAsBytes(all);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("report payload cannot be serialized: " + e.getMessage(), e);
        }
    }
}
