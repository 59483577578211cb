package io.submarine.storage.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real Azure Blob endpoint: Azurite (from npm; .ci/run installs it) in its own Node process
 * on 127.0.0.1, data on disk, with its well-known development account and key.
 */
public final class AzuriteServer {
    public static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's published development key; not a secret of anyone's. */
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzuriteServer() {}

    public static ExternalServer start(Path workDir) throws Exception {
        Optional<Path> azurite = Optional.ofNullable(System.getenv("AZURITE_BLOB")).map(Path::of)
                .or(() -> Fixtures.onPath("azurite-blob"));
        if (azurite.isEmpty()) {
            Fixtures.unavailable("azurite-blob not found on PATH (npm install -g azurite@3.35.0, or set AZURITE_BLOB)");
        }
        int port = Fixtures.freePort();
        Path data = Files.createDirectories(workDir.resolve("data"));
        ExternalServer server = new ExternalServer("azurite",
                List.of(azurite.get().toString(), "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                        "--location", data.toString(), "--skipApiVersionCheck", "--silent"),
                Map.of(), port, workDir.resolve("azurite.log"), Duration.ofSeconds(60));
        server.start();
        return server;
    }

    public static String endpoint(ExternalServer server) {
        return "http://127.0.0.1:" + server.port() + "/" + ACCOUNT;
    }
}
