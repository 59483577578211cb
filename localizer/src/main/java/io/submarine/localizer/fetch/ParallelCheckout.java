package io.submarine.localizer.fetch;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.dircache.DirCacheCheckout.CheckoutMetadata;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.CoreConfig.EolStreamType;
import org.eclipse.jgit.lib.CoreConfig.SymLinks;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.TreeWalk.OperationType;
import org.eclipse.jgit.treewalk.WorkingTreeOptions;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.RawParseUtils;
import org.eclipse.jgit.util.SystemReader;

/**
 * Writes a commit's files and index into the empty work tree of a fresh clone, on several
 * threads. JGit's checkout writes one file at a time, each to a temporary file then renamed, which
 * protects a work tree in use; a fresh clone's is not in use, and is staged before anyone sees it.
 * Creating files is mostly the kernel's work, which spreads over cores. Content is converted as
 * JGit's checkout converts it (end-of-line attributes, smudge filters), and the same paths are
 * refused.
 */
final class ParallelCheckout {

    private record Item(DirCacheEntry entry, CheckoutMetadata metadata) {}

    private final Repository repository;
    private final WorkingTreeOptions options;
    private final FS fs;

    private ParallelCheckout(Repository repository) {
        this.repository = repository;
        this.options = repository.getConfig().get(WorkingTreeOptions.KEY);
        this.fs = repository.getFS();
    }

    /**
     * Checks out {@code commit}'s tree, or only the paths under {@code only} when it is not empty
     * (with {@code .gitmodules}, which submodule commands read from the work tree). HEAD is the
     * caller's to set. {@code progress} is told of each file from the writing threads, so it must
     * be safe for that (as {@link LoggedProgress} is).
     */
    static void checkout(Repository repository, ObjectId commit, List<String> only, ProgressMonitor progress) throws IOException {
        new ParallelCheckout(repository).run(commit, only, progress);
    }

    private void run(ObjectId commit, List<String> only, ProgressMonitor progress) throws IOException {
        List<Item> items = entries(commit, only);
        DirCache index = repository.lockDirCache();
        try {
            DirCacheBuilder builder = index.builder();
            items.forEach(item -> builder.add(item.entry()));
            try {
                builder.finish(); // refuses a file and a directory of the same name, which a hostile tree can hold
            } catch (IllegalStateException e) {
                throw new InvalidContentException("the repository's tree cannot be checked out: " + e.getMessage(), e);
            }
            progress.beginTask("Checking out files", items.size());
            write(items, progress);
            progress.endTask();
            index.write();
            index.commit();
        } finally {
            index.unlock();
        }
    }

    private List<Item> entries(ObjectId commit, List<String> only) throws IOException {
        List<Item> items = new ArrayList<>();
        try (RevWalk commits = new RevWalk(repository); TreeWalk walk = new TreeWalk(repository, commits.getObjectReader())) {
            walk.setOperationType(OperationType.CHECKOUT_OP);
            walk.addTree(commits.parseCommit(commit).getTree());
            walk.setRecursive(true);
            if (!only.isEmpty()) {
                List<String> paths = new ArrayList<>(only);
                paths.add(Constants.DOT_GIT_MODULES);
                walk.setFilter(PathFilterGroup.createFromStrings(paths));
            }
            while (walk.next()) {
                // As JGit's checkout does: no .git component, no "..", nothing a platform would misread.
                SystemReader.getInstance().checkPath(walk.getRawPath());
                DirCacheEntry entry = new DirCacheEntry(walk.getRawPath());
                entry.setFileMode(walk.getFileMode(0));
                entry.setObjectId(walk.getObjectId(0));
                items.add(new Item(entry, new CheckoutMetadata(walk.getEolStreamType(OperationType.CHECKOUT_OP),
                        walk.getFilterCommand(Constants.ATTR_FILTER_TYPE_SMUDGE))));
            }
        } catch (MissingObjectException e) {
            throw new InvalidContentException("commit " + commit.getName() + " or a part of its tree is not in what the remote sent: "
                    + e.getMessage(), e);
        } catch (CorruptObjectException e) {
            throw new InvalidContentException("the repository holds a path that git refuses to check out: " + e.getMessage(), e);
        }
        return items;
    }

    /** Each thread takes the next entry not yet taken, until none is left or one has failed. */
    private void write(List<Item> items, ProgressMonitor progress) throws IOException {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<IOException> failure = new AtomicReference<>();
        Runnable writer = () -> {
            try (ObjectReader reader = repository.newObjectReader()) {
                for (int i = next.getAndIncrement(); i < items.size() && failure.get() == null; i = next.getAndIncrement()) {
                    write(items.get(i), reader);
                    progress.update(1);
                }
            } catch (IOException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, new IOException(e));
            }
        };
        // At least two: on one core a second thread still fills the first one's waits on the disk.
        int count = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(writer, "checkout-" + i);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        boolean interrupted = false;
        for (Thread thread : threads) {
            // Every writer is waited for, even when interrupted (they stop at their next entry),
            // so none still writes while the caller discards the staged tree.
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, new InterruptedIOException("interrupted while checking out"));
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void write(Item item, ObjectReader reader) throws IOException {
        DirCacheEntry entry = item.entry();
        File file = new File(repository.getWorkTree(), entry.getPathString());
        Path path = file.toPath();
        Files.createDirectories(path.getParent());
        FileMode mode = entry.getFileMode();
        if (mode == FileMode.GITLINK) {
            Files.createDirectories(path); // the submodule's place, filled only if submodules are asked for
            entry.setLastModified(fs.lastModifiedInstant(file));
            return;
        }
        ObjectLoader blob = reader.open(entry.getObjectId(), Constants.OBJ_BLOB);
        if (mode == FileMode.SYMLINK && options.getSymLinks() == SymLinks.TRUE) {
            byte[] target = blob.getBytes();
            fs.createSymLink(file, RawParseUtils.decode(target));
            entry.setLength(target.length);
            entry.setLastModified(fs.lastModifiedInstant(file));
            return;
        }
        // CREATE_NEW: the tree is empty, so a file already there means two entries claim one path.
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            DirCacheCheckout.getContent(repository, entry.getPathString(), item.metadata(), blob, options, out);
        }
        CheckoutMetadata metadata = item.metadata();
        boolean asStored = metadata.eolStreamType == EolStreamType.DIRECT && metadata.smudgeFilterCommand == null;
        entry.setLength(asStored ? blob.getSize() : file.length());
        if (mode == FileMode.EXECUTABLE_FILE && options.isFileMode() && fs.supportsExecute()) {
            fs.setExecute(file, true);
        }
        entry.setLastModified(fs.lastModifiedInstant(file));
    }
}
