package io.submarine.localizer.fetch;

import io.submarine.localizer.spec.Credentials;
import io.submarine.localizer.spec.Source;
import io.submarine.localizer.spec.SpecException;
import io.submarine.sidecar.log.Redactor;
import io.submarine.storage.Location;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.CloneCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.submodule.SubmoduleWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A git repository through JGit, over https (token or user and password from files), ssh (JGit's
 * Apache MINA sshd transport: a key file, known hosts checked unless explicitly skipped),
 * git:// and file://. Credentials travel through JGit's providers, never in the URL, so they
 * can't end up in {@code .git/config}, a log or the termination message.
 */
public final class GitFetcher implements Fetcher {

    private static final Logger LOG = LoggerFactory.getLogger(GitFetcher.class);
    private static final Pattern FULL_SHA = Pattern.compile("[0-9a-fA-F]{40}");
    private static final String DEFAULT_TOKEN_USER = "x-access-token";
    /** URLs and scp-like addresses ({@code git@host:org/repo.git}) in a message. */
    private static final Pattern URL_LIKE = Pattern.compile("\\S+://\\S*|\\S+@[^\\s:]+:\\S*");
    /** What JGit and MINA say when credentials or a host key are refused; 403 is JGit's "not permitted". */
    private static final Pattern REFUSED = Pattern.compile(
            "not authorized|auth fail|authentication|server key|host key|not permitted|\\b40[13]\\b");

    /** How git daemon refuses a repository it does not serve (it does not say whether it exists). */
    private static final String GIT_DAEMON_NO_REPOSITORY = "access denied or repository not exported";

    /** MINA's {@code CoreModuleProperties.AUTH_TIMEOUT}, in milliseconds, as a system property. */
    private static final String MINA_AUTH_TIMEOUT = "org.apache.sshd.config.auth-timeout";

    private final int stallTimeoutSeconds;

    /** @param stallTimeout how long a transfer may receive nothing before it fails (to be retried) */
    public GitFetcher(Duration stallTimeout) {
        this.stallTimeoutSeconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, stallTimeout.toSeconds()));
        // JGit bounds an ssh handshake by MINA's authentication timeout (two minutes), not by
        // its own; JGit builds MINA's client with no way in but MINA's system properties.
        System.setProperty(MINA_AUTH_TIMEOUT, String.valueOf(stallTimeoutSeconds * 1000L));
    }

    /** JGit set up for a container; here, not at construction: a run without git sources loads none of JGit. */
    private static ContainerSystemReader prepareJGit() {
        AnonymousGitTransport.register();
        return ContainerSystemReader.install();
    }

    /** A ref resolved on the remote: the name to clone and the commit it points to. */
    record Resolved(String refName, String commit) {}

    @Override
    public Optional<String> currentRevision(Source source) throws IOException {
        prepareJGit();
        return Optional.of(resolve(source).commit());
    }

    @Override
    public Fetched fetch(Source source, Path staging) throws IOException {
        prepareJGit().fileSystemOf(staging);
        Resolved resolved = resolve(source);
        Path checkout = source.subpath() == null ? staging : staging.resolve(".clone");
        boolean bySha = resolved.refName() == null;
        if (bySha && source.depth() > 0
                && fetchCommitAlone(source, cleanUrl(source.url()), resolved.commit(), source.depth(), source.subpath(), checkout)) {
            return withSubmodules(source, resolved, checkout, staging);
        }
        LoggedProgress progress = new LoggedProgress(source.name());
        CloneCommand clone = configure(Git.cloneRepository(), source)
                .setURI(cleanUrl(source.url()))
                .setDirectory(checkout.toFile())
                .setNoCheckout(true) // checkOut writes the tree, on several threads
                .setProgressMonitor(progress);
        if (!bySha) {
            // Only the ref asked for, as git clone --single-branch: a repository's other
            // branches can be far larger than the code this pod needs.
            clone.setBranch(resolved.refName()).setBranchesToClone(List.of(resolved.refName()));
            if (source.depth() > 0) {
                clone.setDepth(source.depth());
            }
        }
        // For a commit the server would not send alone, all history comes, and the commit is checked out.
        try (Git git = clone.call()) {
            if (bySha && !git.getRepository().getObjectDatabase().has(ObjectId.fromString(resolved.commit()))) {
                // All history came and the commit is not in it: no retry will bring it.
                throw new SpecException("source '" + source.name() + "': " + source.redactedUrl() + " has no commit " + resolved.commit()
                        + " on any of its branches or tags");
            }
            checkOut(git.getRepository(), resolved.refName(), resolved.commit(), source.subpath(), progress);
        } catch (GitAPIException e) {
            throw classify(source, e);
        }
        return withSubmodules(source, resolved, checkout, staging);
    }

    /**
     * Points HEAD at {@code commit} as git clone does, on a local branch that tracks origin's
     * when {@code refName} is a branch and detached otherwise, then writes the files (only those
     * under {@code subpath} if there is one) and the index.
     */
    private static void checkOut(Repository repository, String refName, String commit, String subpath, ProgressMonitor progress)
            throws IOException {
        ObjectId id = ObjectId.fromString(commit);
        if (refName != null && refName.startsWith(Constants.R_HEADS)) {
            force(repository.updateRef(refName), id);
            RefUpdate head = repository.updateRef(Constants.HEAD);
            head.disableRefLog();
            checkUpdated(head, head.link(refName));
            StoredConfig config = repository.getConfig();
            String branch = Repository.shortenRefName(refName);
            config.setString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_REMOTE, Constants.DEFAULT_REMOTE_NAME);
            config.setString(ConfigConstants.CONFIG_BRANCH_SECTION, branch, ConfigConstants.CONFIG_KEY_MERGE, refName);
            config.save();
        } else {
            force(repository.updateRef(Constants.HEAD, true), id);
        }
        String only = subpath == null ? "" : Path.of(subpath).normalize().toString();
        ParallelCheckout.checkout(repository, id, only.isEmpty() ? List.of() : List.of(only), progress);
    }

    private static void force(RefUpdate update, ObjectId id) throws IOException {
        update.setNewObjectId(id);
        checkUpdated(update, update.forceUpdate());
    }

    private static void checkUpdated(RefUpdate update, RefUpdate.Result result) throws IOException {
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
            throw new IOException("could not set " + update.getName() + " in the new clone: " + result);
        }
    }

    /**
     * Where the submodule is fetched from, as submodule init resolved it (relative URLs against
     * the top repository's), once {@link #checkSubmoduleUrl} has allowed it.
     */
    private static String submoduleUrl(Source source, SubmoduleWalk walk) throws IOException {
        String url;
        try {
            url = walk.getConfigUrl() != null ? walk.getConfigUrl() : walk.getModulesUrl();
        } catch (org.eclipse.jgit.errors.ConfigInvalidException e) {
            throw new InvalidContentException("the repository's .gitmodules cannot be read: " + e.getMessage(), e);
        }
        checkSubmoduleUrl(source, walk.getPath(), url);
        return url;
    }

    private Fetched withSubmodules(Source source, Resolved resolved, Path checkout, Path staging) throws IOException {
        try {
            switch (source.submodules() == null ? Source.Submodules.OFF : source.submodules()) {
                case SHALLOW -> shallowSubmodules(source, checkout);
                case RECURSIVE -> {
                    try (Git top = Git.open(checkout.toFile())) {
                        recursiveSubmodules(source, top.getRepository());
                    }
                }
                case OFF -> {
                }
            }
        } catch (GitAPIException e) {
            throw classify(source, e);
        }
        return finish(source, resolved, checkout, staging);
    }

    /**
     * Refuses a submodule fetched from this machine (a file:// URL or a path) unless the source
     * allows it. {@code .gitmodules} is the repository author's to write, and a local URL would
     * copy any repository the container can read into the pod's code (CVE-2022-39253); git
     * refuses them by default since 2.38.1.
     */
    private static void checkSubmoduleUrl(Source source, String path, String url) throws InvalidContentException {
        if (!source.allowFileSubmodules() && isOnThisMachine(url)) {
            throw new InvalidContentException("source '" + source.name() + "': submodule '" + path + "' is fetched from this machine ("
                    + Location.redact(url) + "), which is refused as git refuses it; if you trust the repository, allow it with "
                    + "--allow-file-submodules (in a spec file: allow-file-submodules: true)");
        }
    }

    /** A file:// URL or a path; not a URL of another scheme, nor git's scp-like {@code [user@]host:path}. */
    static boolean isOnThisMachine(String url) {
        if (url.regionMatches(true, 0, "file:", 0, 5)) {
            return true;
        }
        if (url.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            return false;
        }
        int colon = url.indexOf(':');
        int slash = url.indexOf('/');
        return colon <= 0 || (slash >= 0 && slash < colon);
    }

    /**
     * {@code submodules: recursive}: every submodule at every level with its history, checked
     * out at its recorded commit, as git clone --recurse-submodules does (and JGit's clone, which
     * would not let us check the URLs first).
     */
    private void recursiveSubmodules(Source source, Repository repository) throws IOException, GitAPIException {
        Git git = Git.wrap(repository);
        if (git.submoduleInit().call().isEmpty()) {
            return;
        }
        try (SubmoduleWalk walk = SubmoduleWalk.forIndex(repository)) {
            while (walk.next()) {
                submoduleUrl(source, walk); // each URL is checked before any submodule is fetched
            }
        }
        configure(git.submoduleUpdate(), source).setProgressMonitor(new LoggedProgress(source.name())).call();
        try (SubmoduleWalk walk = SubmoduleWalk.forIndex(repository)) {
            while (walk.next()) {
                try (Repository submodule = walk.getRepository()) {
                    if (submodule != null) {
                        recursiveSubmodules(source, submodule);
                    }
                }
            }
        }
    }

    /**
     * Fetches just {@code commit} at the source's depth and checks it out, as git does for a
     * commit: git protocol v2 lets a client ask for any commit, not only the tips of branches.
     * False, with {@code checkout} emptied, if the server would not (protocol v0 servers and
     * some forges refuse commits they did not advertise); the caller then clones all history.
     */
    private boolean fetchCommitAlone(Source source, String url, String commit, int depth, String subpath, Path checkout) throws IOException {
        try (Git git = Git.init().setDirectory(checkout.toFile()).call()) {
            StoredConfig config = git.getRepository().getConfig();
            config.setString("remote", "origin", "url", url);
            config.setInt("protocol", null, "version", 2);
            config.save();
            LoggedProgress progress = new LoggedProgress(source.name());
            configure(git.fetch(), source).setRemote("origin").setRefSpecs(new RefSpec(commit + ":refs/heads/localized")).setDepth(depth)
                    .setProgressMonitor(progress).call();
            checkOut(git.getRepository(), null, commit, subpath, progress);
            return true;
        } catch (GitAPIException | JGitInternalException e) {
            LOG.info("source '{}': {} would not send commit {} alone ({}); cloning all history instead", source.name(), Location.redact(url), commit,
                    Location.redact(String.valueOf(e.getMessage())));
            deleteTree(checkout);
            Files.createDirectories(checkout);
            return false;
        }
    }

    /**
     * {@code submodules: shallow}: each submodule of the top repository (not theirs), just its
     * recorded commit at depth 1, as git clone --recurse-submodules --shallow-submodules does
     * for one level. A server that will not send a commit alone gets the clone of all history.
     */
    private void shallowSubmodules(Source source, Path checkout) throws IOException, GitAPIException {
        try (Git git = Git.open(checkout.toFile())) {
            git.submoduleInit().call();
            try (SubmoduleWalk walk = SubmoduleWalk.forIndex(git.getRepository())) {
                while (walk.next()) {
                    String url = submoduleUrl(source, walk);
                    String commit = walk.getObjectId().getName();
                    Path directory = checkout.resolve(walk.getPath());
                    if (!fetchCommitAlone(source, url, commit, 1, null, directory)) {
                        try (Git submodule = configure(Git.cloneRepository(), source).setURI(url).setDirectory(directory.toFile())
                                .setProgressMonitor(new LoggedProgress(source.name())).call()) {
                            submodule.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit).call();
                        }
                    }
                }
            }
        }
    }

    /** Checks what was checked out, keeps only the subpath if one is asked for, and counts the files. */
    private static Fetched finish(Source source, Resolved resolved, Path checkout, Path staging) throws IOException {
        ObjectId head;
        try (Git git = Git.open(checkout.toFile())) {
            head = git.getRepository().resolve("HEAD");
        }
        if (head == null || !head.getName().equals(resolved.commit())) {
            throw new InvalidContentException("checked out " + (head == null ? "nothing" : head.getName())
                    + " but " + source.redactedUrl() + " " + describe(source) + " is " + resolved.commit());
        }
        if (source.subpath() != null) {
            keepOnly(checkout, source.subpath(), staging, source);
        }
        long[] counted = count(staging);
        return new Fetched(resolved.commit(), counted[0], counted[1]);
    }

    /** Asks the remote which commit {@code ref} names now (ls-remote), without cloning. */
    Resolved resolve(Source source) throws IOException {
        String ref = source.ref();
        if (ref != null && FULL_SHA.matcher(ref).matches()) {
            return new Resolved(null, ref.toLowerCase(Locale.ROOT)); // as git takes it, in either case
        }
        Collection<Ref> refs;
        try {
            refs = configure(Git.lsRemoteRepository(), source).setRemote(cleanUrl(source.url())).setHeads(false).setTags(false).call();
        } catch (GitAPIException e) {
            throw classify(source, e);
        }
        List<String> candidates = ref == null ? List.of("HEAD") : List.of("refs/heads/" + ref, "refs/tags/" + ref, ref);
        for (String candidate : candidates) {
            for (Ref remote : refs) {
                if (remote.getName().equals(candidate)) {
                    ObjectId commit = remote.getPeeledObjectId() != null ? remote.getPeeledObjectId() : remote.getObjectId();
                    String name = candidate.equals("HEAD") && remote.isSymbolic() ? remote.getTarget().getName() : candidate;
                    return new Resolved(name.equals("HEAD") ? null : name, commit.getName());
                }
            }
        }
        // An abbreviated SHA names no ref, and a server will not expand one (it may not even advertise the commit).
        String abbreviated = ref.matches("[0-9a-fA-F]{4,39}") ? "; if it is an abbreviated commit SHA, give all 40 hex digits" : "";
        throw new SpecException("source '" + source.name() + "': " + source.redactedUrl() + " has no branch or tag named '" + ref + "'" + abbreviated);
    }

    private static String describe(Source source) {
        return source.ref() == null ? "HEAD" : source.ref();
    }

    private <C extends TransportCommand<C, ?>> C configure(C command, Source source) throws IOException {
        Credentials credentials = source.credentials();
        CredentialsProvider provider = credentialsFor(source.url(), credentials);
        if (provider != null) {
            command.setCredentialsProvider(provider);
        }
        // JGit waits on a silent server for ever by default; a stalled transfer must fail to be retried.
        command.setTimeout(stallTimeoutSeconds);
        // Any transport that turns out to be ssh gets the source's key and known hosts: submodules
        // may use ssh under a repository fetched over https or file (git@host:org/lib.git).
        command.setTransportConfigCallback(transport -> {
            if (transport instanceof SshTransport sshTransport) {
                sshTransport.setSshSessionFactory(sshFactory(credentials));
            }
        });
        return command;
    }

    private static CredentialsProvider credentialsFor(String url, Credentials credentials) throws IOException {
        if (credentials.tokenFile() != null) {
            String user = credentials.usernameFile() != null ? read(credentials.usernameFile()) : DEFAULT_TOKEN_USER;
            return new UsernamePasswordCredentialsProvider(user, readSecret(credentials.tokenFile()));
        }
        if (credentials.passwordFile() != null) {
            return new UsernamePasswordCredentialsProvider(read(credentials.usernameFile()), readSecret(credentials.passwordFile()));
        }
        String userInfo = userInfo(url);
        if (userInfo != null && userInfo.contains(":")) {
            int colon = userInfo.indexOf(':');
            String password = userInfo.substring(colon + 1);
            Redactor.global().register(password); // masked where it appears without its URL too
            return new UsernamePasswordCredentialsProvider(userInfo.substring(0, colon), password);
        }
        return null;
    }

    private static SshdSessionFactory sshFactory(Credentials credentials) {
        File home = new File(System.getProperty("user.home"));
        SshdSessionFactoryBuilder builder = new SshdSessionFactoryBuilder()
                .setHomeDirectory(home)
                .setSshDirectory(new File(home, ".ssh"));
        if (credentials.sshKeyFile() != null) {
            builder.setDefaultIdentities(dir -> List.of(credentials.sshKeyFile()));
        }
        if (credentials.knownHostsFile() != null) {
            builder.setDefaultKnownHostsFiles(dir -> List.of(credentials.knownHostsFile()));
        }
        if (credentials.insecureSkipHostKeyCheck()) {
            LOG.warn("host key checking is off for this ssh source, as configured: the server is not authenticated");
            builder.setServerKeyDatabase((home2, ssh) -> new ServerKeyDatabase() {
                @Override
                public List<java.security.PublicKey> lookup(String connectAddress, java.net.InetSocketAddress remoteAddress, Configuration config) {
                    return List.of();
                }

                @Override
                public boolean accept(String connectAddress, java.net.InetSocketAddress remoteAddress, java.security.PublicKey serverKey,
                        Configuration config, CredentialsProvider provider) {
                    return true;
                }
            });
        }
        return builder.build(null);
    }

    private static String userInfo(String url) {
        try {
            return URI.create(url).getRawUserInfo();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The URL without a password, which JGit would otherwise keep in .git/config. */
    static String cleanUrl(String url) {
        String userInfo = userInfo(url);
        if (userInfo == null || !userInfo.contains(":") || !url.contains("://")) {
            return url;
        }
        return url.replaceFirst(Pattern.quote(userInfo) + "@", userInfo.substring(0, userInfo.indexOf(':')) + "@");
    }

    /** A password or token, masked from then on in every log line and message the program writes. */
    private static String readSecret(Path file) throws IOException {
        String secret = read(file);
        Redactor.global().register(secret);
        return secret;
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new SpecException("credential file " + file + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private IOException classify(Source source, GitAPIException e) {
        String message = Location.redact(String.valueOf(e.getMessage()));
        // JGit starts with the URL, which the messages below give already.
        if (message.startsWith(source.redactedUrl() + ": ")) {
            message = message.substring(source.redactedUrl().length() + 2);
        }
        if (e instanceof InvalidRemoteException) {
            return new InvalidContentException("source '" + source.name() + "': " + source.redactedUrl() + " is not a git repository: " + message, e);
        }
        if (e.getCause() instanceof NoRemoteRepositoryException || message.contains(GIT_DAEMON_NO_REPOSITORY)) {
            // A mistyped URL, or a private repository shown as missing to those without access (as GitHub does): not retried.
            // The message names the repository JGit asked for when it is not this one (a submodule).
            throw new SpecException("source '" + source.name() + "' (" + source.redactedUrl() + "): a repository it needs is not there, "
                    + "or not visible with these credentials: " + message);
        }
        if (e instanceof TransportException && refusedAccess(message)) {
            return new GitAuthException("source '" + source.name() + "': " + source.redactedUrl() + " refused: " + message, e);
        }
        if (e instanceof TransportException) {
            return new IOException("source '" + source.name() + "': " + source.redactedUrl() + ": " + message, e);
        }
        // Not the network: the same request would fail the same way.
        return new InvalidContentException("source '" + source.name() + "': " + source.redactedUrl() + ": " + message, e);
    }

    /**
     * Whether a transport failure says the credentials or the host key were refused (not to be
     * retried). The URLs in the message are left out first: a repository named
     * {@code authentication-service} or a port such as 40303 said nothing of the kind.
     */
    static boolean refusedAccess(String message) {
        String reason = URL_LIKE.matcher(message).replaceAll(" ").toLowerCase(java.util.Locale.ROOT);
        return REFUSED.matcher(reason).find();
    }

    private static void keepOnly(Path checkout, String subpath, Path staging, Source source) throws IOException {
        Path kept = checkout.resolve(subpath).normalize();
        if (!kept.startsWith(checkout) || !Files.isDirectory(kept, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new SpecException("source '" + source.name() + "': subpath " + subpath + " is not a directory in the repository");
        }
        try (Stream<Path> children = Files.list(kept)) {
            for (Path child : children.toList()) {
                Files.move(child, staging.resolve(child.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        deleteTree(checkout);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Files and bytes in the tree, leaving out git's own directory. */
    private static long[] count(Path root) throws IOException {
        long[] counted = new long[2];
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !root.relativize(p).startsWith(".git") && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> {
                        counted[0]++;
                        counted[1] += p.toFile().length();
                    });
        }
        return counted;
    }
}
