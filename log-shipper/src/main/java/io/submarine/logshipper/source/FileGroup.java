package io.submarine.logshipper.source;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Stream;

/**
 * A named set of log files, {@code NAME=GLOB} on the command line: every file the glob matches,
 * now or later, goes to stream {@code NAME}. The glob's directory part must not hold wildcards;
 * {@code **} in the rest matches across directories.
 */
public record FileGroup(String name, Path base, String glob) {

    public static FileGroup parse(String name, String glob) {
        if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new IllegalArgumentException("file group name '" + name + "' must be lower-case letters, digits and '-', like a container name");
        }
        Path pattern = Path.of(glob);
        if (!pattern.isAbsolute()) {
            throw new IllegalArgumentException("file glob '" + glob + "' must be an absolute path, e.g. /var/log/app/*.log");
        }
        Path base = pattern.getRoot();
        for (Path part : pattern) {
            if (part.toString().matches(".*[*?\\[{].*")) {
                break;
            }
            base = base.resolve(part);
        }
        if (base.equals(pattern)) {
            base = pattern.getParent();
        }
        return new FileGroup(name, base, glob);
    }

    /** The regular files the glob matches now, in name order. */
    public List<Path> matches() throws IOException {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        int depth = glob.contains("**") ? Integer.MAX_VALUE : Path.of(glob).getNameCount() - base.getNameCount();
        try (Stream<Path> walk = Files.walk(base, depth)) {
            return walk.filter(matcher::matches).filter(Files::isRegularFile).sorted().toList();
        } catch (java.io.UncheckedIOException e) {
            // A file vanished while walking; the next scan sees the directory as it is then.
            return List.of();
        }
    }
}
