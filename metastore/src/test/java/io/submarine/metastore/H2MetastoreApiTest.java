package io.submarine.metastore;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The API on the default database: embedded H2 in a file. */
class H2MetastoreApiTest extends MetastoreApiTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        startServer(Database.embedded(dir), dir);
    }
}
