package io.submarine.metastore.resources;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.db.Database;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Named resources with a version for optimistic concurrency: an update or delete names the
 * version it read, and loses (412) if someone else wrote in between. Blocking: off the event loop.
 */
public final class ResourceStore {

    private final DataSource dataSource;

    public ResourceStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    JsonObject create(String kind, String name, JsonObject spec) throws SQLException {
        long now = System.currentTimeMillis();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO resources (kind, name, resource_version, spec, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)")) {
            insert.setString(1, kind);
            insert.setString(2, name);
            insert.setString(3, spec.encode());
            insert.setLong(4, now);
            insert.setLong(5, now);
            insert.executeUpdate();
        } catch (SQLException e) {
            if (Database.isDuplicateKey(e)) {
                throw new ApiException(409, "RESOURCE_ALREADY_EXISTS", kind + " '" + name + "' already exists");
            }
            throw e;
        }
        return get(kind, name);
    }

    JsonObject get(String kind, String name) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT name, resource_version, spec, created_at, updated_at FROM resources WHERE kind = ? AND name = ?")) {
            select.setString(1, kind);
            select.setString(2, name);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", kind + " '" + name + "' does not exist");
                }
                return json(rows);
            }
        }
    }

    boolean exists(String kind, String name) throws SQLException {
        try {
            get(kind, name);
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    JsonObject update(String kind, String name, long expectedVersion, JsonObject spec) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE resources SET spec = ?, resource_version = resource_version + 1, updated_at = ?"
                        + " WHERE kind = ? AND name = ? AND resource_version = ?")) {
            update.setString(1, spec.encode());
            update.setLong(2, System.currentTimeMillis());
            update.setString(3, kind);
            update.setString(4, name);
            update.setLong(5, expectedVersion);
            if (update.executeUpdate() == 0) {
                throw conflict(kind, name, expectedVersion);
            }
        }
        return get(kind, name);
    }

    void delete(String kind, String name, Long expectedVersion) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("DELETE FROM resources WHERE kind = ? AND name = ?"
                        + (expectedVersion == null ? "" : " AND resource_version = ?"))) {
            delete.setString(1, kind);
            delete.setString(2, name);
            if (expectedVersion != null) {
                delete.setLong(3, expectedVersion);
            }
            if (delete.executeUpdate() == 0) {
                if (expectedVersion == null) {
                    throw new ApiException(404, "RESOURCE_DOES_NOT_EXIST", kind + " '" + name + "' does not exist");
                }
                throw conflict(kind, name, expectedVersion);
            }
        }
    }

    private ApiException conflict(String kind, String name, long expectedVersion) throws SQLException {
        JsonObject current = get(kind, name);
        return new ApiException(412, "PRECONDITION_FAILED", kind + " '" + name + "' is at version " + current.getLong("version")
                + ", not " + expectedVersion + ": read it again and reapply your change");
    }

    /**
     * A page of the resources of a kind, in the query's order. Spec filters are applied here, not in
     * SQL (the spec is JSON text in every dialect): rows are read in batches until the page is full,
     * which suits the small numbers of resources users manage.
     */
    JsonObject list(String kind, ResourceQuery query) throws SQLException {
        int batch = query.specEquals().isEmpty() ? query.limit() + 1 : Math.max(query.limit() + 1, 500);
        Optional<ResourceQuery.Position> scanAfter = query.after();
        JsonArray items = new JsonArray();
        try (Connection connection = dataSource.getConnection()) {
            while (true) {
                int read = 0;
                JsonObject last = null;
                try (PreparedStatement select = page(connection, kind, query, scanAfter, batch);
                        ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        read++;
                        last = json(rows);
                        if (query.matches(last.getJsonObject("spec"))) {
                            if (items.size() == query.limit()) {
                                return new JsonObject().put("items", items).put("nextCursor", query.cursorAfter(items.getJsonObject(items.size() - 1)));
                            }
                            items.add(last);
                        }
                    }
                }
                if (read < batch) {
                    return new JsonObject().put("items", items);
                }
                scanAfter = Optional.of(query.positionOf(last));
            }
        }
    }

    /** Up to {@code batch} rows after {@code after} in the query's order (ties broken by name). */
    private static PreparedStatement page(Connection connection, String kind, ResourceQuery query, Optional<ResourceQuery.Position> after, int batch)
            throws SQLException {
        String column = query.sort().column;
        String comparison = query.descending() ? " < " : " > ";
        String order = query.descending() ? " DESC" : "";
        StringBuilder sql = new StringBuilder("SELECT name, resource_version, spec, created_at, updated_at FROM resources WHERE kind = ? AND name LIKE ? ESCAPE '!'");
        boolean byName = query.sort() == ResourceQuery.Sort.NAME;
        if (after.isPresent()) {
            sql.append(byName ? " AND name" + comparison + "?" : " AND (" + column + comparison + "? OR (" + column + " = ? AND name" + comparison + "?))");
        }
        sql.append(" ORDER BY ").append(byName ? "name" + order : column + order + ", name" + order).append(" LIMIT ?");
        PreparedStatement select = connection.prepareStatement(sql.toString());
        int index = 1;
        select.setString(index++, kind);
        select.setString(index++, query.prefix().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        if (after.isPresent()) {
            if (!byName) {
                select.setLong(index++, after.get().value());
                select.setLong(index++, after.get().value());
            }
            select.setString(index++, after.get().name());
        }
        select.setInt(index, batch);
        return select;
    }

    private static JsonObject json(ResultSet rows) throws SQLException {
        return new JsonObject().put("name", rows.getString(1)).put("version", rows.getLong(2)).put("spec", new JsonObject(rows.getString(3)))
                .put("created", rows.getLong(4)).put("updated", rows.getLong(5));
    }
}
