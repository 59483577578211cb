package io.submarine.localizer;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Builds a source's tree in a hidden directory beside its target and renames it into place,
 * so a reader (or a retry after a crash) sees the old tree, the new one, or nothing, never half
 * of one. Leftovers of a crashed run start with {@code .<name>.staging-} or {@code .<name>.old-}
 * and are removed before the next attempt.
 */
final class Staging {
    private Staging() {}

    static Path begin(Path target) throws IOException {
        Path parent = Files.createDirectories(target.toAbsolutePath().getParent());
        removeLeftovers(target);
        return Files.createDirectory(parent.resolve("." + target.getFileName() + ".staging-" + UUID.randomUUID()));
    }

    /** Replaces {@code target} with {@code staging}: two renames, never a partial tree at {@code target}. */
    static void publish(Path staging, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteTree(old);
        }
    }

    static void discard(Path staging) {
        try {
            deleteTree(staging);
        } catch (IOException ignored) {
            // Hidden, and removed by the next run's removeLeftovers.
        }
    }

    private static void removeLeftovers(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> siblings = Files.list(target.toAbsolutePath().getParent())) {
            for (Path sibling : siblings.toList()) {
                String name = sibling.getFileName().toString();
                if (name.startsWith(prefix + "staging-") || name.startsWith(prefix + "old-")) {
                    deleteTree(sibling);
                }
            }
        }
    }

    /** Deletes a tree without following symbolic links out of it. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
