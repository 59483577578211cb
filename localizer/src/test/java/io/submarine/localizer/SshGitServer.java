package io.submarine.localizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;

/**
 * An ssh git server in this JVM: Apache MINA sshd accepting one client key, and running the
 * real {@code git-upload-pack} for each clone, as a git host does over ssh.
 */
final class SshGitServer implements AutoCloseable {

    private final SshServer server;
    private final KeyPair hostKey;
    private final KeyPair clientKey;

    SshGitServer() throws IOException, GeneralSecurityException {
        this(true);
    }

    /**
     * @param protocolV2 false runs git-upload-pack without the client's GIT_PROTOCOL, so it speaks
     *     protocol v0, as older hosts do: it sends no commit that no ref names
     */
    SshGitServer(boolean protocolV2) throws IOException, GeneralSecurityException {
        this(protocolV2 ? ProcessShellCommandFactory.INSTANCE
                : (channel, command) -> ProcessShellCommandFactory.INSTANCE.createCommand(channel, "env -u GIT_PROTOCOL " + command));
    }

    /** A server that lets the client in, then answers no command: a host hung after the handshake. */
    static SshGitServer silent() throws IOException, GeneralSecurityException {
        return new SshGitServer((channel, command) -> new SilentCommand());
    }

    private SshGitServer(CommandFactory commands) throws IOException, GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        hostKey = generator.generateKeyPair();
        clientKey = generator.generateKeyPair();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, clientKey.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setCommandFactory(commands);
        server.start();
    }

    String url(Path repository) {
        return "ssh://git@127.0.0.1:" + server.getPort() + repository;
    }

    /** The client's private key in OpenSSH format, as a user would mount it. */
    Path writeClientKey(Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(clientKey, "test", null, out);
        }
        return file;
    }

    /** A known_hosts file that vouches for this server. */
    Path writeKnownHosts(Path file) throws IOException {
        PublicKey key = hostKey.getPublic();
        return Files.writeString(file, "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(key) + "\n");
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /** Takes the command and never writes, exits or reads. */
    private static final class SilentCommand implements Command {
        @Override
        public void setInputStream(InputStream in) {}

        @Override
        public void setOutputStream(OutputStream out) {}

        @Override
        public void setErrorStream(OutputStream err) {}

        @Override
        public void setExitCallback(ExitCallback callback) {}

        @Override
        public void start(ChannelSession channel, Environment env) {}

        @Override
        public void destroy(ChannelSession channel) {}
    }
}
