package io.submarine.logshipper.source;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

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

    /**
     * The regular files the glob matches now, in name order. A directory that cannot be read, or
     * that vanished meanwhile, is passed over and handed to {@code passedOver}: one unreadable
     * directory (a volume's {@code lost+found}, say) must not hide the files in the others.
     */
    public List<Path> matches(BiConsumer<Path, IOException> passedOver) throws IOException {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        int depth = glob.contains("**") ? Integer.MAX_VALUE : Path.of(glob).getNameCount() - base.getNameCount();
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(base, Set.of(), depth, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                // A link is matched by what it points to, as a link to a log file is one.
                if (matcher.matches(file) && (attributes.isRegularFile() || attributes.isSymbolicLink() && Files.isRegularFile(file))) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                passedOver.accept(file, e);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) {
                if (e != null) {
                    passedOver.accept(directory, e);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(null);
        return found;
    }
}
