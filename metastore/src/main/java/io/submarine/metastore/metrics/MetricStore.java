package io.submarine.metastore.metrics;

import io.submarine.metastore.db.Database;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/**
 * Metric points, kept per series: a series is an owner, a key and (for MLflow) a run, stored once;
 * a point is a row of numbers under its series id. Bulk inserts then touch two numeric indexes
 * instead of three built on repeated strings. Blocking: call it off the event loop.
 */
public final class MetricStore {

    /** What a point belongs to; {@code runId} is empty for points that came in reports. */
    record Series(String ownerKind, String ownerName, String key, String runId) {}

    private final DataSource dataSource;
    /** Series are never deleted, so an id once known stays right. */
    private final Map<Series, Long> ids = new ConcurrentHashMap<>();

    public MetricStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The ids of the series of {@code keys}, created when new. Call it before the transaction that
     * inserts the points: it uses a connection of its own, committed at once, so a series made by a
     * concurrent request is seen on any database and isolation level.
     */
    public Map<String, Long> seriesIds(String ownerKind, String ownerName, String runId, Set<String> keys) throws SQLException {
        Map<String, Long> found = new HashMap<>();
        List<Series> missing = new ArrayList<>();
        for (String key : keys) {
            Series series = new Series(ownerKind, ownerName, key, runId);
            Long id = ids.get(series);
            if (id != null) {
                found.put(key, id);
            } else {
                missing.add(series);
            }
        }
        if (!missing.isEmpty()) {
            try (Connection connection = dataSource.getConnection()) {
                for (Series series : missing) {
                    long id = lookUpOrCreate(connection, series);
                    ids.put(series, id);
                    found.put(series.key(), id);
                }
            }
        }
        return found;
    }

    private static long lookUpOrCreate(Connection connection, Series series) throws SQLException {
        Long id = lookUp(connection, series);
        if (id != null) {
            return id;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO metric_series (owner_kind, owner_name, metric_key, run_id) VALUES (?, ?, ?, ?)",
                new String[] {"id"})) {
            insert.setString(1, series.ownerKind());
            insert.setString(2, series.ownerName());
            insert.setString(3, series.key());
            insert.setString(4, series.runId());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        } catch (SQLException e) {
            if (Database.isDuplicateKey(e)) {
                // Another request made it between our look and our insert.
                return lookUp(connection, series);
            }
            throw e;
        }
    }

    private static Long lookUp(Connection connection, Series series) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM metric_series WHERE owner_kind = ? AND owner_name = ? AND metric_key = ? AND run_id = ?")) {
            select.setString(1, series.ownerKind());
            select.setString(2, series.ownerName());
            select.setString(3, series.key());
            select.setString(4, series.runId());
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : null;
            }
        }
    }

    /**
     * The points that are not in their series yet: not the same step, timestamp and value as one
     * there, nor as an earlier one of {@code points}. MLflow's server takes an identical point once,
     * so a client that retries a call whose answer it lost adds nothing. One query per key, over
     * the steps of the batch (the series' index), whatever the number of points.
     */
    public static List<MetricPoint> notYetLogged(Connection connection, Map<String, Long> seriesIds, List<MetricPoint> points) throws SQLException {
        record Seen(String key, long step, long timestampMs, long valueBits) {
            static Seen of(MetricPoint point) {
                return new Seen(point.key(), point.step(), point.timestampMs(), Double.doubleToLongBits(point.value()));
            }
        }
        Map<String, long[]> stepRange = new java.util.HashMap<>();
        for (MetricPoint point : points) {
            stepRange.merge(point.key(), new long[] {point.step(), point.step()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        java.util.Set<Seen> seen = new java.util.HashSet<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT step, timestamp_ms, metric_value, special_value FROM metric_points"
                + " WHERE series_id = ? AND step BETWEEN ? AND ?")) {
            for (Map.Entry<String, long[]> range : stepRange.entrySet()) {
                select.setLong(1, seriesIds.get(range.getKey()));
                select.setLong(2, range.getValue()[0]);
                select.setLong(3, range.getValue()[1]);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        seen.add(new Seen(range.getKey(), rows.getLong(1), rows.getLong(2), Double.doubleToLongBits(readValue(rows, 3))));
                    }
                }
            }
        }
        return points.stream().filter(point -> seen.add(Seen.of(point))).toList();
    }

    /** Inserts points in the caller's transaction; {@code seriesIds} from {@link #seriesIds}, {@code reportId} null for MLflow's. */
    public static void insert(Connection connection, Map<String, Long> seriesIds, Long reportId, List<MetricPoint> points) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO metric_points (series_id, report_id, step, metric_value, special_value, timestamp_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
            for (MetricPoint point : points) {
                insert.setLong(1, seriesIds.get(point.key()));
                if (reportId == null) {
                    insert.setNull(2, Types.BIGINT);
                } else {
                    insert.setLong(2, reportId);
                }
                insert.setLong(3, point.step());
                bindValue(insert, 4, point.value());
                insert.setLong(6, point.timestampMs());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * An owner's metric by step (from reports and from all its MLflow runs), thinned to at most
     * {@code maxPoints} evenly spaced points, the last always kept.
     */
    public List<MetricPoint> history(String ownerKind, String ownerName, String key, long fromStep, long toStep, int maxPoints) throws SQLException {
        List<MetricPoint> all = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT p.step, p.metric_value, p.special_value, p.timestamp_ms FROM metric_points p"
                        + " JOIN metric_series s ON s.id = p.series_id WHERE s.owner_kind = ? AND s.owner_name = ? AND s.metric_key = ?"
                        + " AND p.step BETWEEN ? AND ? ORDER BY p.step, p.id")) {
            select.setString(1, ownerKind);
            select.setString(2, ownerName);
            select.setString(3, key);
            select.setLong(4, fromStep);
            select.setLong(5, toStep);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    all.add(new MetricPoint(key, rows.getLong(1), readValue(rows, 2), rows.getLong(4)));
                }
            }
        }
        if (all.size() <= maxPoints) {
            return all;
        }
        List<MetricPoint> thinned = new ArrayList<>(maxPoints);
        double stride = (all.size() - 1) / (double) (maxPoints - 1);
        for (int i = 0; i < maxPoints; i++) {
            thinned.add(all.get((int) Math.round(i * stride)));
        }
        return thinned;
    }

    /** Every point of one MLflow run's metric, in MLflow's shape, by step then as logged. */
    public JsonArray runHistory(String runId, String key) throws SQLException {
        JsonArray metrics = new JsonArray();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT p.metric_value, p.special_value, p.timestamp_ms, p.step FROM metric_points p"
                        + " JOIN metric_series s ON s.id = p.series_id WHERE s.run_id = ? AND s.metric_key = ? ORDER BY p.step, p.id")) {
            select.setString(1, runId);
            select.setString(2, key);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    metrics.add(new JsonObject().put("key", key).put("value", readValue(rows, 1)).put("timestamp", rows.getLong(3)).put("step", rows.getLong(4)));
                }
            }
        }
        return metrics;
    }

    /**
     * The latest point of each metric of the runs that {@code runIds} (SQL selecting run ids, with
     * {@code parameters}) selects, handed to {@code sink} with its run id, in key order. Latest as
     * MLflow's server keeps it: the greatest step, then the latest timestamp, then the greatest
     * value; not the last to arrive (a client logging asynchronously sends its batches out of order).
     */
    public static void latest(Connection connection, String runIds, List<?> parameters, BiConsumer<String, JsonObject> sink) throws SQLException {
        try (PreparedStatement select = Database.prepare(connection, "SELECT run_id, metric_key, metric_value, special_value, timestamp_ms, step FROM ("
                + "SELECT s.run_id, s.metric_key, p.metric_value, p.special_value, p.timestamp_ms, p.step, ROW_NUMBER() OVER (PARTITION BY p.series_id"
                + " ORDER BY p.step DESC, p.timestamp_ms DESC, p.metric_value DESC, p.id DESC) AS rank_in_series"
                + " FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.run_id IN (" + runIds + ")) ranked"
                + " WHERE rank_in_series = 1 ORDER BY metric_key", parameters)) {
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    sink.accept(rows.getString(1), new JsonObject().put("key", rows.getString(2)).put("value", readValue(rows, 3))
                            .put("timestamp", rows.getLong(5)).put("step", rows.getLong(6)));
                }
            }
        }
    }

    /**
     * Binds {@code value} to the parameter for metric_value at {@code index} and to special_value
     * right after it: MySQL and MariaDB can't store NaN or infinities, so those are a code (V5).
     */
    private static void bindValue(PreparedStatement statement, int index, double value) throws SQLException {
        statement.setDouble(index, Double.isFinite(value) ? value : 0);
        statement.setInt(index + 1, Double.isNaN(value) ? 1 : value == Double.POSITIVE_INFINITY ? 2 : value == Double.NEGATIVE_INFINITY ? 3 : 0);
    }

    /** The value selected as metric_value at {@code index}, with special_value right after it. */
    private static double readValue(ResultSet rows, int index) throws SQLException {
        return switch (rows.getInt(index + 1)) {
            case 1 -> Double.NaN;
            case 2 -> Double.POSITIVE_INFINITY;
            case 3 -> Double.NEGATIVE_INFINITY;
            default -> rows.getDouble(index);
        };
    }
}
