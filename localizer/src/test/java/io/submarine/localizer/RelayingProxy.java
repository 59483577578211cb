package io.submarine.localizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forwarding HTTP proxy on 127.0.0.1, as a pod's egress proxy: it takes requests in absolute
 * form ({@code GET http://host:port/path}), records the host asked for, and relays each to that
 * port on 127.0.0.1, one request per connection. The hosts asked for need not resolve: only the
 * proxy can reach them, which is what a test of proxy use wants.
 */
final class RelayingProxy implements AutoCloseable {

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<String> requested = new CopyOnWriteArrayList<>();

    RelayingProxy() throws IOException {
        Thread accepting = new Thread(() -> {
            try {
                while (true) {
                    Socket client = server.accept();
                    Thread relay = new Thread(() -> relay(client), "proxy-relay");
                    relay.setDaemon(true);
                    relay.start();
                }
            } catch (IOException closed) {
                // The test is over.
            }
        }, "proxy");
        accepting.setDaemon(true);
        accepting.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The absolute URLs asked for, in order. */
    List<String> requested() {
        return requested;
    }

    private void relay(Socket client) {
        try (client) {
            InputStream fromClient = client.getInputStream();
            String[] head = readHead(fromClient).split("\r\n");
            String[] requestLine = head[0].split(" ");
            URI target = URI.create(requestLine[1]);
            requested.add(requestLine[1]);
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target.getPort())) {
                StringBuilder forwarded = new StringBuilder(requestLine[0] + " " + target.getRawPath()
                        + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()) + " " + requestLine[2] + "\r\n");
                for (int i = 1; i < head.length; i++) {
                    String name = head[i].substring(0, Math.max(0, head[i].indexOf(':'))).trim();
                    if (!name.equalsIgnoreCase("Proxy-Connection") && !name.equalsIgnoreCase("Connection")) {
                        forwarded.append(head[i]).append("\r\n");
                    }
                }
                forwarded.append("Connection: close\r\n\r\n");
                OutputStream toUpstream = upstream.getOutputStream();
                toUpstream.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                toUpstream.flush();
                Thread body = new Thread(() -> {
                    try {
                        fromClient.transferTo(toUpstream);
                    } catch (IOException ended) {
                        // Either side closed.
                    }
                }, "proxy-body");
                body.setDaemon(true);
                body.start();
                upstream.getInputStream().transferTo(client.getOutputStream());
            }
        } catch (IOException | RuntimeException e) {
            // A connection that ends oddly ends the relay; the test's assertions say what matters.
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < 4 && (b = in.read()) >= 0; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, Math.max(0, text.length() - 4));
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
