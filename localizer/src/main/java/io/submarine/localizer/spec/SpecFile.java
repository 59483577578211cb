package io.submarine.localizer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the sources from a spec file, YAML or JSON (JSON is YAML), in either form:
 * <pre>
 * sources:
 *   - {name: trainer, type: git, url: https://github.com/org/repo.git, ref: main}
 *   - {name: resnet, type: model, url: s3://models/resnet/3}
 * </pre>
 * or the seed design's experiment form {@code code: {sync_mode: git|s3|hdfs|abfs|gcs|http, url: …}},
 * which localizes into {@code /code/<repo-name>} (also inside a whole experiment spec, beside its
 * {@code meta}, {@code environment} and {@code spec}). Unknown fields are errors, so a typo is caught
 * at start instead of silently ignored.
 */
public final class SpecFile {

    private static final Set<String> SOURCE_FIELDS = Set.of("name", "type", "url", "target", "ref", "depth", "submodules",
            "subpath", "sha256", "strip-components", "allow-uncommitted", "allow-file-submodules", "credentials");
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("username-file", "password-file", "token-file", "ssh-key-file",
            "known-hosts-file", "insecure-skip-host-key-check", "headers-file");

    private final Path codeRoot;
    private final Path modelsRoot;

    public SpecFile(Path codeRoot, Path modelsRoot) {
        this.codeRoot = codeRoot;
        this.modelsRoot = modelsRoot;
    }

    public List<Source> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new SpecException("spec file " + file + " is not valid YAML or JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new SpecException("spec file " + file + " cannot be read: " + e.getClass().getSimpleName());
        }
        return parse(root, file.toString());
    }

    List<Source> parse(JsonNode root, String origin) {
        if (root == null || !root.isObject()) {
            throw new SpecException(origin + ": expected an object with 'sources' (or the experiment form 'code')");
        }
        List<Source> sources = new ArrayList<>();
        // An experiment spec as the seed's server takes it may come whole: its other parts are not ours to read.
        Set<String> known = root.has("code") ? Set.of("sources", "code", "meta", "environment", "spec") : Set.of("sources", "code");
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!known.contains(field)) {
                throw new SpecException(origin + ": unknown field '" + field + "' (expected 'sources' or 'code')");
            }
        }
        if (root.has("code")) {
            sources.add(seedForm(root.get("code"), origin));
        }
        JsonNode list = root.path("sources");
        if (!list.isMissingNode() && !list.isArray()) {
            throw new SpecException(origin + ": 'sources' must be a list");
        }
        int index = 0;
        for (JsonNode node : list) {
            sources.add(source(node, origin + ": sources[" + index++ + "]"));
        }
        if (sources.isEmpty()) {
            throw new SpecException(origin + ": no sources to localize");
        }
        Set<String> names = new HashSet<>();
        Set<Path> targets = new HashSet<>();
        for (Source source : sources) {
            if (!names.add(source.name())) {
                throw new SpecException(origin + ": two sources are named '" + source.name() + "'");
            }
            if (!targets.add(source.target())) {
                throw new SpecException(origin + ": two sources share the target " + source.target());
            }
        }
        return sources;
    }

    private Source source(JsonNode node, String at) {
        if (!node.isObject()) {
            throw new SpecException(at + ": expected an object with name, type and url");
        }
        checkFields(node, SOURCE_FIELDS, at);
        SourceType type = SourceType.parse(text(node, "type", at, true));
        String name = text(node, "name", at, true);
        String target = text(node, "target", at, false);
        JsonNode credentials = node.path("credentials");
        return new Source(name, type, text(node, "url", at, true),
                target != null ? Path.of(target) : defaultTarget(type, name),
                text(node, "ref", at, false), integer(node, "depth", 1, at),
                node.has("submodules") ? Source.Submodules.parse(text(node, "submodules", at, true)) : null,
                text(node, "subpath", at, false), text(node, "sha256", at, false),
                integer(node, "strip-components", 0, at), bool(node, "allow-uncommitted", at), bool(node, "allow-file-submodules", at),
                credentials.isMissingNode() ? null : credentials(credentials, at + ".credentials"));
    }

    private Credentials credentials(JsonNode node, String at) {
        if (!node.isObject()) {
            throw new SpecException(at + ": expected an object");
        }
        checkFields(node, CREDENTIAL_FIELDS, at);
        return new Credentials(path(node, "username-file", at), path(node, "password-file", at), path(node, "token-file", at),
                path(node, "ssh-key-file", at), path(node, "known-hosts-file", at), bool(node, "insecure-skip-host-key-check", at),
                path(node, "headers-file", at));
    }

    /**
     * {@code code: {sync_mode, url}} from the seed design's experiment spec; {@code syncMode}, as
     * the seed's server spells it in the JSON it takes, is the same field.
     */
    private Source seedForm(JsonNode code, String origin) {
        String at = origin + ": code";
        if (!code.isObject()) {
            throw new SpecException(at + ": expected an object with sync_mode and url");
        }
        checkFields(code, Set.of("sync_mode", "syncMode", "url"), at);
        if (code.has("sync_mode") && code.has("syncMode")) {
            throw new SpecException(at + ": give sync_mode or syncMode, not both");
        }
        String mode = text(code, code.has("syncMode") ? "syncMode" : "sync_mode", at, true).toLowerCase(Locale.ROOT);
        String url = text(code, "url", at, true);
        String name = repoName(url);
        return switch (mode) {
            case "git" -> new Source(name, SourceType.GIT, url, codeRoot.resolve(name), null, 1, null, null, null, 0, false, false, null);
            case "s3", "hdfs", "abfs", "gcs", "http" -> new Source(name, SourceType.ARCHIVE, url, codeRoot.resolve(name), null, 0, null, null, null, 0, false, false, null);
            default -> throw new SpecException(at + ".sync_mode must be git, s3, hdfs, abfs, gcs or http, got '" + mode + "'");
        };
    }

    /** "https://host/org/trainer.git", "git@host:org/trainer.git" and "s3://b/code/trainer.tar.gz" all name "trainer". */
    public static String repoName(String url) {
        String path = path(url);
        String last = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf(':')) + 1);
        String name = last.replaceFirst("(?i)(\\.git|\\.tar\\.gz|\\.tgz|\\.tar\\.zst|\\.tar\\.bz2|\\.tar\\.xz|\\.tar|\\.zip|\\.gz)$", "")
                .replaceAll("[^A-Za-z0-9._-]", "-");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            throw new SpecException("cannot name a source after the url " + url + "; use the 'sources' form with a name");
        }
        return name;
    }

    /**
     * A single source's name when none is given: {@link #repoName}, except that a model version's
     * URL ({@code …/models/resnet/3}, as artifact-sync lays versions out) names its model, not its
     * version number.
     */
    public static String defaultName(SourceType type, String url) {
        String path = path(url);
        int slash = path.lastIndexOf('/');
        if (type == SourceType.MODEL && slash > 0 && path.substring(slash + 1).matches("\\d+")) {
            String model = path.substring(0, slash);
            if (!model.endsWith("/")) {
                return repoName(model);
            }
        }
        return repoName(url);
    }

    /** The URL without its query, fragment and trailing slashes. */
    private static String path(String url) {
        return url.replaceAll("[?#].*$", "").replaceAll("/+$", "");
    }

    public Path defaultTarget(SourceType type, String name) {
        return (type == SourceType.MODEL ? modelsRoot : codeRoot).resolve(name);
    }

    private static void checkFields(JsonNode node, Set<String> allowed, String at) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!allowed.contains(field)) {
                throw new SpecException(at + ": unknown field '" + field + "'; known: " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private static String text(JsonNode node, String field, String at, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new SpecException(at + ": '" + field + "' is missing");
            }
            return null;
        }
        if (!value.isValueNode()) {
            throw new SpecException(at + ": '" + field + "' must be a string");
        }
        return value.asText();
    }

    private static Path path(JsonNode node, String field, String at) {
        String value = text(node, field, at, false);
        return value == null ? null : Path.of(value);
    }

    private static int integer(JsonNode node, String field, int defaultValue, String at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new SpecException(at + ": '" + field + "' must be a whole number");
        }
        return value.intValue();
    }

    private static boolean bool(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new SpecException(at + ": '" + field + "' must be true or false");
        }
        return value.booleanValue();
    }
}
