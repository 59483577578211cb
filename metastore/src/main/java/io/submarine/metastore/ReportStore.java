package io.submarine.metastore;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;

/** Reports in the database; every statement parameterized. Blocking: call it off the event loop. */
final class ReportStore {

    /** A stored report: its id, and whether this request was a repeat of one already stored. */
    record Stored(long id, boolean duplicate) {}

    private static final String UNIQUE_VIOLATION = "23505";

    private final DataSource dataSource;

    ReportStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Stored insert(String kind, String key, ValidReport report) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
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
            try {
                insert.executeUpdate();
            } catch (SQLException e) {
                if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
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

    /** Reports of one kind for a pod (or all pods of a namespace), oldest first, after {@code cursor}. */
    JsonObject list(String kind, String namespace, String pod, long cursor, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id, namespace, pod, pod_uid, container, restart_count, owner_kind, owner_name, payload, received_at"
                + " FROM reports WHERE kind = ? AND id > ?");
        if (namespace != null) {
            sql.append(" AND namespace = ?");
        }
        if (pod != null) {
            sql.append(" AND pod = ?");
        }
        sql.append(" ORDER BY id LIMIT ?");
        try (Connection connection = dataSource.getConnection(); PreparedStatement select = connection.prepareStatement(sql.toString())) {
            int i = 1;
            select.setString(i++, kind);
            select.setLong(i++, cursor);
            if (namespace != null) {
                select.setString(i++, namespace);
            }
            if (pod != null) {
                select.setString(i++, pod);
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

    boolean reachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
