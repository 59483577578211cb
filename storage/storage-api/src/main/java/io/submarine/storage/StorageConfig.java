package io.submarine.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Settings for the backends, as {@code <backend>.<kebab-name>} keys ({@code s3.endpoint},
 * {@code azure.account-key-file}, {@code retry.max-attempts}). Each key can also come from the
 * environment as {@code SUBMARINE_STORAGE_<BACKEND>_<NAME>}, e.g.
 * {@code SUBMARINE_STORAGE_S3_PATH_STYLE} for {@code s3.path-style}.
 *
 * <p>Secrets are never values here: a key ending in {@code -file} names a file holding the
 * secret, read by {@link #secret}, so the value can't leak through a pod spec. A program hands
 * each secret read to its log redactor through {@link #withSecretSink}, so a client library's
 * message that quotes one is masked too.
 */
public final class StorageConfig {

    private static final String ENV_PREFIX = "SUBMARINE_STORAGE_";

    private static final Consumer<String> NO_SINK = secret -> { };

    private final Map<String, String> values;
    private final Consumer<String> secretSink;

    private StorageConfig(Map<String, String> values, Consumer<String> secretSink) {
        this.values = Map.copyOf(values);
        this.secretSink = secretSink;
    }

    public static StorageConfig of(Map<String, String> values) {
        return new StorageConfig(values, NO_SINK);
    }

    public static StorageConfig empty() {
        return of(Map.of());
    }

    /**
     * These settings, handing every secret read through them (or through configs made from them
     * by {@link #with}) to {@code sink} before a backend gets it: a program's log redactor.
     */
    public StorageConfig withSecretSink(Consumer<String> sink) {
        return new StorageConfig(values, sink);
    }

    /** Keys from {@code SUBMARINE_STORAGE_<BACKEND>_<NAME>} variables; others are ignored. */
    public static StorageConfig fromEnvironment(Map<String, String> env) {
        Map<String, String> values = new TreeMap<>();
        env.forEach((name, value) -> {
            if (!name.startsWith(ENV_PREFIX)) {
                return;
            }
            String rest = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
            int split = rest.indexOf('_');
            if (split > 0 && split < rest.length() - 1) {
                values.put(rest.substring(0, split) + "." + rest.substring(split + 1).replace('_', '-'), value);
            }
        });
        return of(values);
    }

    /** These settings with {@code overrides} on top. */
    public StorageConfig with(Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>(values);
        merged.putAll(overrides);
        return new StorageConfig(merged, secretSink);
    }

    /** The settings whose keys start with {@code prefix}, with the prefix removed. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> found = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                found.put(key.substring(prefix.length()), value);
            }
        });
        return found;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key)).filter(v -> !v.isBlank());
    }

    public int getInt(String key, int defaultValue) {
        return get(key).map(v -> {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new StorageConfigException(key + " must be a whole number, got '" + v + "'");
            }
        }).orElse(defaultValue);
    }

    public long getBytes(String key, long defaultValue) {
        return get(key).map(v -> DataSize.parse(key, v)).orElse(defaultValue);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key).map(v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new StorageConfigException(key + " must be true or false, got '" + v + "'");
        }).orElse(defaultValue);
    }

    /**
     * The secret in the file that {@code fileKey} names, trimmed; empty when the key is unset.
     *
     * @throws StorageConfigException naming the key and the path (never the content) when unreadable
     */
    public Optional<String> secret(String fileKey) {
        Optional<String> file = get(fileKey);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        String secret;
        try {
            secret = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new StorageConfigException(fileKey + " names " + file.get() + ", which cannot be read: " + e.getClass().getSimpleName());
        }
        secretSink.accept(secret);
        return Optional.of(secret);
    }

    /**
     * Hands a part of a secret file to the secret sink, for a backend that parses the file
     * (each value of an http headers file): the parts can appear where the whole file never does.
     */
    public void treatAsSecret(String part) {
        secretSink.accept(part);
    }

    @Override
    public String toString() {
        return "StorageConfig" + values.keySet();
    }

    /** "64MiB", "8m", "1024": sizes in settings. */
    static final class DataSize {
        private DataSize() {}

        static long parse(String key, String text) {
            String t = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
            long unit = 1;
            if (!t.isEmpty() && "kmgt".indexOf(t.charAt(t.length() - 1)) >= 0) {
                unit = 1L << (10 * ("kmgt".indexOf(t.charAt(t.length() - 1)) + 1));
                t = t.substring(0, t.length() - 1);
            }
            try {
                return Math.multiplyExact(Long.parseLong(t.trim()), unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new StorageConfigException(key + " must be a size such as 8MiB or 65536, got '" + text + "'");
            }
        }
    }
}
