package io.submarine.metastore.reports;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a kind of report writes besides itself (MLflow calls a pod made, say), in the report's own
 * transaction: a report sent again under its idempotency key writes nothing again.
 */
public interface CarriedWrites {

    /** Throws an {@code ApiException} (400) that says what is wrong with {@code payload}, before anything is stored. */
    void check(JsonObject payload);

    /** Writes what {@code payload} carries; returns what the report keeps as its payload. */
    JsonObject apply(Connection connection, JsonObject payload) throws SQLException;
}
