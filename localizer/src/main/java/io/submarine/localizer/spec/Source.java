package io.submarine.localizer.spec;

import io.submarine.storage.Location;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One thing to put in place, validated when built: every error names the source and the field.
 *
 * @param ref git: branch, tag or full commit SHA (default: the remote's default branch)
 * @param depth git: commits of history, 0 for all (default 1)
 * @param subpath git: keep only this directory of the repository
 * @param sha256 archive, file: expected digest of the downloaded bytes
 * @param stripComponents archive: leading path segments to drop, as GNU tar's option
 * @param allowUncommitted model: accept a version without {@code _MANIFEST.json}
 * @param allowFileSubmodules git: fetch submodules whose URL is on this machine (file:// or a
 *     path), which are refused otherwise, as git refuses them
 */
public record Source(
        String name,
        SourceType type,
        String url,
        Path target,
        String ref,
        int depth,
        Submodules submodules,
        String subpath,
        String sha256,
        int stripComponents,
        boolean allowUncommitted,
        boolean allowFileSubmodules,
        Credentials credentials) {

    /** How git submodules are fetched. */
    public enum Submodules {
        OFF, SHALLOW, RECURSIVE;

        public static Submodules parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SpecException("submodules must be off, shallow or recursive, got '" + text + "'");
            }
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public Source {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new SpecException("source name '" + name + "' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String at = "source '" + name + "': ";
        if (type == null) {
            throw new SpecException(at + "type is missing: use git, archive, model or file");
        }
        if (url == null || url.isBlank()) {
            throw new SpecException(at + "url is missing");
        }
        if (type != SourceType.GIT) {
            try {
                Location.of(url);
            } catch (IllegalArgumentException e) {
                throw new SpecException(at + e.getMessage());
            }
        }
        if (target == null || !target.isAbsolute()) {
            throw new SpecException(at + "target must be an absolute path, got " + target);
        }
        if (depth < 0) {
            throw new SpecException(at + "depth must be 0 (full history) or more, got " + depth);
        }
        if (stripComponents < 0) {
            throw new SpecException(at + "strip-components must not be negative");
        }
        if (sha256 != null) {
            // As .localized.json records it ("sha256:…"), or as sha256sum prints it, in either case.
            sha256 = sha256.trim().toLowerCase(Locale.ROOT).replaceFirst("^sha256:", "");
            if (!SHA256.matcher(sha256).matches()) {
                throw new SpecException(at + "sha256 must be 64 hexadecimal digits (a 'sha256:' before them is allowed)");
            }
        }
        if (subpath != null && (subpath.startsWith("/") || subpath.contains(".."))) {
            throw new SpecException(at + "subpath must be a relative path inside the repository, got " + subpath);
        }
        submodules = submodules == null ? Submodules.OFF : submodules;
        credentials = credentials == null ? Credentials.NONE : credentials;
        if (type != SourceType.GIT && (ref != null || subpath != null || submodules != Submodules.OFF)) {
            throw new SpecException(at + "ref, subpath and submodules apply to git sources only");
        }
        if (sha256 != null && type != SourceType.ARCHIVE && type != SourceType.FILE) {
            throw new SpecException(at + "sha256 applies to archive and file sources (a model version's manifest has its own digests)");
        }
    }

    /**
     * The options that, beside the revision, decide the tree a source leaves in its target: the
     * same commit checked out with another subpath is another tree. Recorded with the revision,
     * so that a run with other options does not take the target for done.
     */
    public Map<String, Object> treeOptions() {
        Map<String, Object> options = new LinkedHashMap<>();
        switch (type) {
            case GIT -> {
                options.put("depth", depth);
                options.put("submodules", submodules.name().toLowerCase(Locale.ROOT));
                if (subpath != null) {
                    options.put("subpath", subpath);
                }
            }
            case ARCHIVE -> options.put("strip-components", stripComponents);
            case FILE, MODEL -> { }
        }
        return options;
    }

    /** The URL as it may be logged and reported: any password removed. */
    public String redactedUrl() {
        return Location.redact(url);
    }
}
