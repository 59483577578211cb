package io.submarine.metastore.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Bearer tokens and their roles, from a file of {@code <role> <token>} lines: {@code reporter}
 * (programs: may only report), {@code reader}, {@code admin}. Tokens are compared in constant time.
 */
public final class Tokens {

    public enum Role { REPORTER, READER, ADMIN }

    private final Map<String, Role> roles = new ConcurrentHashMap<>();

    public static Tokens read(Path file) throws IOException {
        return read(file, token -> { });
    }

    /** @param secretSink is handed each token as it is read, to keep it out of logs */
    public static Tokens read(Path file, Consumer<String> secretSink) throws IOException {
        Tokens tokens = new Tokens();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] parts = trimmed.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException("token file " + file + " line " + number + ": expected '<role> <token>'");
            }
            Role role;
            try {
                role = Role.valueOf(parts[0].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token file " + file + " line " + number + ": role must be reporter, reader or admin");
            }
            secretSink.accept(parts[1]);
            tokens.roles.put(parts[1], role);
        }
        if (tokens.roles.isEmpty()) {
            throw new IllegalArgumentException("token file " + file + " holds no tokens");
        }
        return tokens;
    }

    Optional<Role> roleOf(String token) {
        byte[] offered = token.getBytes(StandardCharsets.UTF_8);
        Role found = null;
        for (Map.Entry<String, Role> entry : roles.entrySet()) {
            if (MessageDigest.isEqual(offered, entry.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = entry.getValue();
            }
        }
        return Optional.ofNullable(found);
    }
}
