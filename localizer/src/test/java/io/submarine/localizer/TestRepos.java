package io.submarine.localizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Real git repositories made with the git command line, as users make them. */
final class TestRepos {
    private TestRepos() {}

    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("GIT_CONFIG_NOSYSTEM", "1", "HOME", dir.toString()));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed: " + output);
        }
        return output.trim();
    }

    /** Where {@code command} is on the PATH. */
    static String which(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", "command -v " + command).start();
        String path = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0 || path.isEmpty()) {
            throw new IOException(command + " is not on the PATH");
        }
        return path;
    }

    /** An app repository whose one commit adds {@code submodules} (path to URL, in order). */
    static Path withSubmodules(Path dir, Map<String, String> submodules) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        git(dir, "init", "-q");
        Files.writeString(dir.resolve("app.py"), "import lib\n");
        for (Map.Entry<String, String> submodule : submodules.entrySet()) {
            git(dir, "submodule", "add", "-q", submodule.getValue(), submodule.getKey());
        }
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "app with submodules");
        return dir;
    }

    /** A repository with two commits on main, a tag v1 on the first, a branch dev, and a src/ directory. */
    static Path create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        git(dir, "init", "-q");
        Files.createDirectories(dir.resolve("src/pkg"));
        Files.writeString(dir.resolve("README.md"), "first\n");
        Files.writeString(dir.resolve("src/pkg/train.py"), "print('train v1')\n");
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\necho run\n");
        script.toFile().setExecutable(true);
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "first");
        git(dir, "tag", "-a", "v1", "-m", "release 1");
        git(dir, "branch", "dev");
        Files.writeString(dir.resolve("README.md"), "second\n");
        Files.writeString(dir.resolve("src/pkg/train.py"), "print('train v2')\n");
        git(dir, "commit", "-q", "-am", "second");
        return dir;
    }
}
