package io.submarine.localizer.fetch;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.BasePackFetchConnection;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.GitProtocolConstants;
import org.eclipse.jgit.transport.PackTransport;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TcpTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportProtocol;
import org.eclipse.jgit.transport.URIish;

/**
 * Fetching over git:// (a git daemon), in place of JGit's own transport for that scheme, which
 * bounds a stalled read by interrupting the reading thread: on JDK 17 that does not unblock a
 * socket read, so a daemon that stopped sending held the clone until {@code --timeout}. Here the
 * socket itself has the transport's timeout, and a stall fails the attempt, to be retried.
 * The request is the daemon's (see git's {@code pack-protocol.txt}), asking for protocol v2
 * as JGit does by default; a daemon that does not speak it answers in v0, which JGit reads too.
 */
final class AnonymousGitTransport extends TcpTransport implements PackTransport {

    private static final int DEFAULT_PORT = 9418;

    /** Held here as well: JGit keeps registered protocols only weakly. */
    private static final TransportProtocol PROTOCOL = new TransportProtocol() {
        @Override
        public String getName() {
            return "git daemon, with a read timeout";
        }

        @Override
        public Set<String> getSchemes() {
            return Collections.singleton("git"); // JGit asks with null for a plain path: Set.of would throw
        }

        @Override
        public Set<URIishField> getRequiredFields() {
            return EnumSet.of(URIishField.HOST, URIishField.PATH);
        }

        @Override
        public Set<URIishField> getOptionalFields() {
            return EnumSet.of(URIishField.PORT);
        }

        @Override
        public int getDefaultPort() {
            return DEFAULT_PORT;
        }

        @Override
        public Transport open(URIish uri, Repository local, String remoteName) {
            return new AnonymousGitTransport(local, uri);
        }

        @Override
        public Transport open(URIish uri) {
            return new AnonymousGitTransport(uri);
        }
    };

    /** Puts this transport before JGit's own for git:// URLs; idempotent. */
    static synchronized void register() {
        if (!Transport.getTransportProtocols().contains(PROTOCOL)) {
            Transport.register(PROTOCOL);
        }
    }

    private AnonymousGitTransport(Repository local, URIish uri) {
        super(local, uri);
    }

    private AnonymousGitTransport(URIish uri) {
        super(uri);
    }

    @Override
    public FetchConnection openFetch() throws TransportException {
        return new Connection(List.of());
    }

    @Override
    public FetchConnection openFetch(Collection<RefSpec> refSpecs, String... additionalPatterns) throws TransportException {
        return new Connection(refSpecs, additionalPatterns);
    }

    @Override
    public PushConnection openPush() throws NotSupportedException {
        throw new NotSupportedException("the localizer does not push: " + uri);
    }

    @Override
    public void close() {
        // Each connection owns its socket.
    }

    private final class Connection extends BasePackFetchConnection {
        private final Socket socket = new Socket();

        Connection(Collection<RefSpec> refSpecs, String... additionalPatterns) throws TransportException {
            super(AnonymousGitTransport.this);
            int timeoutMillis = getTimeout() * 1000;
            int port = uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT;
            try {
                socket.connect(new InetSocketAddress(uri.getHost(), port), timeoutMillis);
                socket.setSoTimeout(timeoutMillis);
                init(new BufferedInputStream(socket.getInputStream()), new BufferedOutputStream(socket.getOutputStream()));
                pckOut.writeString("git-upload-pack " + uri.getPath() + "\0host=" + uri.getHost()
                        + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "\0\0" + GitProtocolConstants.VERSION_2_REQUEST + "\0");
                pckOut.flush();
            } catch (IOException e) {
                close();
                throw new TransportException(uri, e instanceof UnknownHostException ? "unknown host" : e.getMessage(), e);
            }
            if (!readAdvertisedRefs()) {
                lsRefs(refSpecs, additionalPatterns);
            }
        }

        @Override
        public void close() {
            super.close();
            try {
                socket.close();
            } catch (IOException ignored) {
                // Nothing more to read from it either way.
            }
        }
    }
}
