package io.submarine.localizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.sidecar.lifecycle.ExitCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a git source leaves in its target, checked against C git: the files C git's own clone
 * writes (end-of-line attributes, executable bits, symbolic links), an index C git finds clean,
 * HEAD where git clone leaves it; and trees git would not check out, refused.
 */
class GitCheckoutTest {

    @TempDir
    Path work;

    private int localize(String... args) {
        List<String> all = new ArrayList<>(List.of("--code-root", work.resolve("code").toString()));
        all.addAll(List.of(args));
        return Localizer.run(all.toArray(String[]::new));
    }

    @Test
    void theTreeIsWhatCGitChecksOutAndItsIndexIsClean() throws Exception {
        Path repo = Files.createDirectories(work.resolve("repos/project"));
        TestRepos.git(repo, "init", "-q");
        // Enough files in enough directories that every checkout thread writes some.
        for (int d = 0; d < 30; d++) {
            Path dir = Files.createDirectories(repo.resolve("src/d" + d));
            for (int f = 0; f < 10; f++) {
                Files.writeString(dir.resolve("f" + f + ".py"), "print(" + d + ", " + f + ")\n");
            }
        }
        Files.writeString(repo.resolve(".gitattributes"), "*.txt text eol=crlf\n");
        Files.writeString(repo.resolve("notes.txt"), "one\ntwo\n");
        Files.createDirectories(repo.resolve("bin"));
        Files.writeString(repo.resolve("bin/run.sh"), "#!/bin/sh\necho run\n").toFile().setExecutable(true);
        Files.createSymbolicLink(repo.resolve("latest.py"), Path.of("src/d3/f4.py"));
        TestRepos.git(repo, "add", "-A");
        TestRepos.git(repo, "commit", "-q", "-m", "project");
        TestRepos.git(repo, "tag", "v1");
        String head = TestRepos.git(repo, "rev-parse", "HEAD");
        Path byGit = work.resolve("by-git");
        TestRepos.git(work, "clone", "-q", "file://" + repo, byGit.toString());

        assertThat(localize("--url", "file://" + repo)).isZero();
        Path ours = work.resolve("code/project");
        assertThat(tree(ours)).isEqualTo(tree(byGit)).hasSizeGreaterThan(300);
        assertThat(Files.readString(ours.resolve("notes.txt"))).as("eol=crlf applied").isEqualTo("one\r\ntwo\r\n");
        assertThat(TestRepos.git(ours, "status", "--porcelain")).as("C git finds the index clean").isEmpty();
        assertThat(TestRepos.git(ours, "ls-files")).isEqualTo(TestRepos.git(byGit, "ls-files"));
        assertThat(TestRepos.git(ours, "symbolic-ref", "HEAD")).as("on the branch, as git clone leaves it").isEqualTo("refs/heads/main");
        assertThat(TestRepos.git(ours, "rev-parse", "--abbrev-ref", "main@{upstream}")).isEqualTo("origin/main");

        for (String ref : List.of("v1", head)) {
            String name = ref.equals(head) ? "pinned" : "tagged";
            assertThat(localize("--url", "file://" + repo, "--name", name, "--ref", ref)).isZero();
            Path target = work.resolve("code/" + name);
            assertThat(tree(target)).as(name).isEqualTo(tree(byGit));
            assertThat(TestRepos.git(target, "rev-parse", "--abbrev-ref", "HEAD")).as(name + ": detached").isEqualTo("HEAD");
            assertThat(TestRepos.git(target, "rev-parse", "HEAD")).isEqualTo(head);
            assertThat(TestRepos.git(target, "status", "--porcelain")).as(name).isEmpty();
        }

        assertThat(localize("--url", "file://" + repo, "--name", "d3", "--subpath", "src/d3/")).isZero();
        assertThat(tree(work.resolve("code/d3"))).isEqualTo(subtree(tree(byGit), "src/d3/"));
    }

    @Test
    void aTreeGitWouldNotCheckOutIsRefusedWithNothingPutInPlace() throws Exception {
        Path dotGit = hostile("dot-git", inserter -> {
            ObjectId hooks = tree(inserter, "post-checkout", FileMode.EXECUTABLE_FILE, blob(inserter, "#!/bin/sh\nid\n"));
            TreeFormatter top = new TreeFormatter();
            top.append(".git", FileMode.TREE, tree(inserter, "hooks", FileMode.TREE, hooks));
            return top;
        });
        // A file and a directory of one name: no git writes such a tree, a hostile server can.
        Path conflict = hostile("conflict", inserter -> {
            TreeFormatter top = new TreeFormatter();
            top.append("a", FileMode.SYMLINK, blob(inserter, "/etc"));
            top.append("a", FileMode.TREE, tree(inserter, "passwd", FileMode.REGULAR_FILE, blob(inserter, "root::0:0::/:/bin/sh\n")));
            return top;
        });
        for (Path repo : List.of(dotGit, conflict)) {
            String name = repo.getFileName().toString();
            assertThat(localize("--url", "file://" + repo, "--name", name)).as(name).isEqualTo(ExitCode.INVALID_CONTENT.code());
            assertThat(work.resolve("code/" + name)).as(name + ": nothing put in place").doesNotExist();
        }
        assertThatThrownBy(() -> TestRepos.git(work, "clone", "-q", "file://" + dotGit, work.resolve("by-git").toString()))
                .as("C git refuses it too").hasMessageContaining(".git");
    }

    private interface TopTree {
        TreeFormatter build(ObjectInserter inserter) throws IOException;
    }

    /** A repository whose one commit on main has a top tree no git command would make. */
    private Path hostile(String name, TopTree top) throws IOException {
        Path dir = work.resolve("repos/" + name);
        try (Repository repository = FileRepositoryBuilder.create(dir.resolve(".git").toFile())) {
            repository.create();
            try (ObjectInserter inserter = repository.newObjectInserter()) {
                CommitBuilder commit = new CommitBuilder();
                commit.setTreeId(inserter.insert(top.build(inserter)));
                PersonIdent who = new PersonIdent("Test", "test@example.org");
                commit.setAuthor(who);
                commit.setCommitter(who);
                commit.setMessage("hostile\n");
                ObjectId id = inserter.insert(commit);
                inserter.flush();
                RefUpdate main = repository.updateRef("refs/heads/main");
                main.setNewObjectId(id);
                assertThat(main.forceUpdate()).isEqualTo(RefUpdate.Result.NEW);
                RefUpdate head = repository.updateRef(Constants.HEAD);
                head.link("refs/heads/main");
            }
        }
        return dir;
    }

    private static ObjectId blob(ObjectInserter inserter, String content) throws IOException {
        return inserter.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A tree of one entry. */
    private static ObjectId tree(ObjectInserter inserter, String name, FileMode mode, ObjectId id) throws IOException {
        TreeFormatter tree = new TreeFormatter();
        tree.append(name, mode, id);
        return inserter.insert(tree);
    }

    /** Each path outside .git: a file's content and whether it is executable, a link's target, or a directory. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.filter(p -> !root.relativize(p).startsWith(".git") && !p.equals(root)).toList()) {
                String what;
                if (Files.isSymbolicLink(path)) {
                    what = "link to " + Files.readSymbolicLink(path);
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    what = "directory";
                } else {
                    boolean executable = Files.getPosixFilePermissions(path).contains(PosixFilePermission.OWNER_EXECUTE);
                    what = (executable ? "executable " : "file ") + Files.readString(path);
                }
                tree.put(root.relativize(path).toString(), what);
            }
        }
        return tree;
    }

    private static Map<String, String> subtree(Map<String, String> tree, String prefix) {
        Map<String, String> subtree = new TreeMap<>();
        tree.forEach((path, what) -> {
            if (path.startsWith(prefix)) {
                subtree.put(path.substring(prefix.length()), what);
            }
        });
        return subtree;
    }
}
