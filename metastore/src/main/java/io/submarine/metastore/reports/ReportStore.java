package io.submarine.metastore.reports;

import io.submarine.metastore.db.Database;
import io.submarine.metastore.metrics.MetricPoint;
import io.submarine.metastore.metrics.MetricStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** Reports in the database; every statement parameterized. Blocking: call it off the event loop. */
public final class ReportStore {

    /** A stored report: its id, and whether this request was a repeat of one already stored. */
    public record Stored(long id, boolean duplicate) {}

    private final DataSource dataSource;
    private final MetricStore metrics;

    public ReportStore(DataSource dataSource, MetricStore metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /** Stores a report, and the metric points it carries, in one transaction. */
    public Stored insert(String kind, String key, ValidReport report, List<MetricPoint> points) throws SQLException {
        return insert(kind, key, report, points, null);
    }

    /**
     * Stores a report, the metric points it carries and, if {@code writes} is given, what its
     * kind writes elsewhere, in one transaction: a repeated key writes nothing again.
     */
    public Stored insert(String kind, String key, ValidReport report, List<MetricPoint> points, CarriedWrites writes) throws SQLException {
        Map<String, Long> series = points.isEmpty() ? Map.of()
                : metrics.seriesIds(report.ownerKind(), report.ownerName(), "", points.stream().map(MetricPoint::key).collect(Collectors.toSet()));
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                Stored stored = insertReport(connection, kind, key, report);
                if (!stored.duplicate() && !points.isEmpty()) {
                    MetricStore.insert(connection, series, stored.id(), points);
                }
                if (!stored.duplicate() && writes != null) {
                    JsonObject kept = writes.apply(connection, report.payload());
                    if (!kept.equals(report.payload())) {
                        updatePayload(connection, stored.id(), kept);
                    }
                }
                connection.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private static Stored insertReport(Connection connection, String kind, String key, ValidReport report) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO reports (kind, idempotency_key, namespace, pod, pod_uid, container, restart_count, owner_kind, owner_name, payload, received_at)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
            insert.setString(1, kind);
            insert.setString(2, key);
            insert.setString(3, report.namespace());
            insert.setString(4, report.pod());
            insert.setString(5, report.podUid());
            insert.setString(6, report.container());
            insert.setInt(7, report.restart());
            insert.setString(8, report.ownerKind());
            insert.setString(9, report.ownerName());
            insert.setString(10, report.payload().encode());
            insert.setTimestamp(11, Timestamp.from(Instant.now()));
            // A savepoint, so a duplicate doesn't abort the transaction (PostgreSQL would).
            java.sql.Savepoint beforeInsert = connection.setSavepoint();
            try {
                insert.executeUpdate();
            } catch (SQLException e) {
                if (Database.isDuplicateKey(e)) {
                    connection.rollback(beforeInsert);
                    return new Stored(existing(connection, kind, key), true);
                }
                throw e;
            }
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return new Stored(keys.getLong(1), false);
            }
        }
    }

    private static void updatePayload(Connection connection, long id, JsonObject payload) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE reports SET payload = ? WHERE id = ?")) {
            update.setString(1, payload.encode());
            update.setLong(2, id);
            update.executeUpdate();
        }
    }

    private static long existing(Connection connection, String kind, String key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM reports WHERE kind = ? AND idempotency_key = ?")) {
            select.setString(1, kind);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Which reports a listing wants: each non-null field must equal the report's. */
    public record Filter(String namespace, String pod, String container, String ownerKind, String ownerName) {}

    /** Reports of one kind that pass {@code filter}, oldest first, after {@code cursor}. */
    public JsonObject list(String kind, Filter filter, long cursor, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id, namespace, pod, pod_uid, container, restart_count, owner_kind, owner_name, payload, received_at"
                + " FROM reports WHERE kind = ? AND id > ?");
        List<String> values = new java.util.ArrayList<>();
        String[][] columns = {{"namespace", filter.namespace()}, {"pod", filter.pod()}, {"container", filter.container()},
            {"owner_kind", filter.ownerKind()}, {"owner_name", filter.ownerName()}};
        for (String[] column : columns) {
            if (column[1] != null) {
                sql.append(" AND ").append(column[0]).append(" = ?");
                values.add(column[1]);
            }
        }
        sql.append(" ORDER BY id LIMIT ?");
        try (Connection connection = dataSource.getConnection(); PreparedStatement select = connection.prepareStatement(sql.toString())) {
            int i = 1;
            select.setString(i++, kind);
            select.setLong(i++, cursor);
            for (String value : values) {
                select.setString(i++, value);
            }
            select.setInt(i, limit + 1);
            JsonArray items = new JsonArray();
            long last = cursor;
            boolean more = false;
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    if (items.size() == limit) {
                        more = true;
                        break;
                    }
                    last = rows.getLong("id");
                    items.add(new JsonObject().put("id", last).put("namespace", rows.getString("namespace")).put("pod", rows.getString("pod"))
                            .put("podUid", rows.getString("pod_uid")).put("container", rows.getString("container"))
                            .put("restart", rows.getInt("restart_count")).put("ownerKind", rows.getString("owner_kind"))
                            .put("ownerName", rows.getString("owner_name")).put("payload", new JsonObject(rows.getString("payload")))
                            .put("receivedAt", rows.getTimestamp("received_at").toInstant().toString()));
                }
            }
            JsonObject page = new JsonObject().put("items", items);
            if (more) {
                page.put("nextCursor", Long.toString(last));
            }
            return page;
        }
    }

    /** The object URI of the last segment reported for a container's run, if any: its directory holds the run's log. */
    public java.util.Optional<String> lastLogSegment(String namespace, String pod, String container, int restart) throws SQLException {
        try (Connection connection = dataSource.getConnection(); PreparedStatement select = connection.prepareStatement(
                "SELECT payload FROM reports WHERE kind = 'log-segments' AND namespace = ? AND pod = ? AND container = ? AND restart_count = ?"
                        + " ORDER BY id DESC LIMIT 1")) {
            select.setString(1, namespace);
            select.setString(2, pod);
            select.setString(3, container);
            select.setInt(4, restart);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? java.util.Optional.ofNullable(new JsonObject(rows.getString(1)).getString("uri")) : java.util.Optional.empty();
            }
        }
    }
}
