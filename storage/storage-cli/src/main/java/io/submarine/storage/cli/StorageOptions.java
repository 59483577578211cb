package io.submarine.storage.cli;

import io.submarine.storage.BlobStores;
import io.submarine.storage.Location;
import io.submarine.storage.StorageConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** What every subcommand shares: storage settings, and turning arguments into locations. */
final class StorageOptions {

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A storage setting, e.g. s3.endpoint=http://127.0.0.1:9000 (repeatable; also SUBMARINE_STORAGE_<BACKEND>_<NAME>).")
    Map<String, String> settings = new LinkedHashMap<>();

    BlobStores stores() {
        return BlobStores.load(StorageConfig.fromEnvironment(System.getenv()).with(settings));
    }

    /** A URI, or a local path (relative to the working directory) for convenience. */
    static Location location(String argument) {
        if (argument.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return Location.of(argument);
        }
        Path path = Path.of(argument).toAbsolutePath().normalize();
        String text = "file://" + path + (argument.endsWith("/") && !path.toString().endsWith("/") ? "/" : "");
        return Location.of(text);
    }
}
