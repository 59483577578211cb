package io.submarine.metastore.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The connection pool, with the schema migrated at start (Flyway). H2 and PostgreSQL share one
 * set of migrations; MySQL and MariaDB have their own (no identity columns, no time zones in
 * timestamps, case-sensitive collation, LONGTEXT for payloads), with the same versions.
 */
public final class Database implements AutoCloseable {

    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Embedded H2 in a file under {@code dataDir}: zero configuration. */
    public static Database embedded(Path dataDir) {
        return open("jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("metastore") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", "");
    }

    public static Database open(String jdbcUrl, String user, String password) {
        boolean mysql = jdbcUrl.startsWith("jdbc:mariadb:") || jdbcUrl.startsWith("jdbc:mysql:");
        HikariConfig config = new HikariConfig();
        // The MariaDB driver speaks to MySQL servers too, but only accepts its own scheme.
        config.setJdbcUrl(mysql ? "jdbc:mariadb:" + jdbcUrl.substring(jdbcUrl.indexOf(':', 5) + 1) : jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(8);
        config.setPoolName("metastore");
        // The same isolation on every database (MySQL's default is REPEATABLE READ): a row that a
        // concurrent request committed is seen by the next statement, as the duplicate-key paths expect.
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(dataSource).locations(mysql ? "classpath:db/mysql" : "classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource);
    }

    /** Whether {@code e} is a unique key refusing a second row: SQLSTATE 23505, or MySQL's 23000 with error 1062. */
    public static boolean isDuplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState()) || ("23000".equals(e.getSQLState()) && e.getErrorCode() == 1062);
    }

    /** {@code sql} prepared with {@code parameters} bound in order. */
    public static PreparedStatement prepare(Connection connection, String sql, List<?> parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
        }
        return statement;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Whether a connection answers within two seconds: {@code /readyz}. */
    public boolean reachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
