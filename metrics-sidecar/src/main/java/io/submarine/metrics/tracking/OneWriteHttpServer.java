package io.submarine.metrics.tracking;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on a port, for the tracking endpoint: keep-alive, bodies by Content-Length or chunked,
 * {@code Expect: 100-continue}; each answer, status line to last byte, leaves in one write, but
 * for a file's download, which streams.
 *
 * <p>Why not the JDK's server: it sends an answer's headers and its body apart, and a sidecar
 * killed between the two leaves the client with a status and no body, which MLflow's client does
 * not retry (the training script fails). Killed before the one write here, the client sees the
 * connection close before any answer and retries; after it, the whole answer is on its way.
 */
final class OneWriteHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OneWriteHttpServer.class);
    private static final int MAX_HEAD_BYTES = 64 << 10;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * A request; its body is a stream that ends where the body ends (an artifact's upload goes
     * through it at any size), or {@link #bytes()} whole, for a JSON call.
     */
    record Request(String method, String path, String rawQuery, Map<String, String> headers, InputStream body, long maxBodyBytes) {
        /** The whole body, at most {@code maxBodyBytes} (413 beyond). */
        byte[] bytes() throws IOException {
            byte[] read = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (read.length > maxBodyBytes) {
                throw new BadRequest(413, "a request body is at most " + maxBodyBytes + " bytes");
            }
            return read;
        }
    }

    /**
     * An answer: its status, JSON body and, for a 405, the methods the path takes (null otherwise);
     * or a file's bytes, streamed ({@code file} and its {@code fileLength}, then closed).
     */
    record Response(int status, byte[] json, String allow, InputStream file, long fileLength) {
        Response(int status, byte[] json) {
            this(status, json, null);
        }

        Response(int status, byte[] json, String allow) {
            this(status, json, allow, null, 0);
        }

        static Response file(InputStream file, long length) {
            return new Response(200, null, null, file, length);
        }
    }

    /** Answers a request; an exception is answered 500. */
    @FunctionalInterface
    interface Handler {
        Response handle(Request request) throws Exception;
    }

    /** A request this server refuses, with the status to answer; the connection closes after it. */
    static final class BadRequest extends IOException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final ServerSocket socket;
    private final Handler handler;
    private final long maxBodyBytes;
    private final ExecutorService connections;
    private final Thread acceptor;
    private volatile boolean closed;

    OneWriteHttpServer(String address, int port, long maxBodyBytes, Handler handler) throws IOException {
        this.socket = new ServerSocket();
        this.socket.setReuseAddress(true);
        this.socket.bind(new InetSocketAddress(InetAddress.getByName(address), port), 64);
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
        this.connections = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "tracking-http");
            thread.setDaemon(true);
            return thread;
        });
        this.acceptor = new Thread(this::accept, "tracking-accept");
        this.acceptor.setDaemon(true);
    }

    void start() {
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket connection = socket.accept();
                connection.setTcpNoDelay(true);
                connections.execute(() -> serve(connection));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accepting a tracking connection failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket connection) {
        try (connection; InputStream in = new BufferedInputStream(connection.getInputStream()); OutputStream out = connection.getOutputStream()) {
            while (!closed) {
                Request request;
                try {
                    request = read(in, out);
                } catch (BadRequest e) {
                    out.write(answer(new Response(e.status, json("MALFORMED_REQUEST", e.getMessage())), false));
                    return;
                }
                if (request == null) {
                    return;
                }
                Response response;
                try {
                    response = handler.handle(request);
                } catch (BadRequest e) {
                    // The body was not read to its end: the connection cannot go on.
                    out.write(answer(new Response(e.status, json("MALFORMED_REQUEST", e.getMessage())), false));
                    return;
                } catch (Exception e) {
                    LOG.error("tracking call {} {} failed: {}", request.method(), request.path(), e.toString());
                    response = new Response(500, json("INTERNAL_ERROR", "the call failed in the pod: " + e.getMessage()));
                }
                // What the handler left of the body goes, so the next request starts where it should.
                request.body().transferTo(OutputStream.nullOutputStream());
                boolean keepAlive = !"close".equalsIgnoreCase(request.headers().getOrDefault("connection", ""));
                if (response.file() != null) {
                    send(response, keepAlive, out);
                } else {
                    out.write(answer(response, keepAlive));
                }
                out.flush();
                if (!keepAlive) {
                    return;
                }
            }
        } catch (SocketException | EOFException gone) {
            // The client closed the connection, or this server is closing.
        } catch (IOException e) {
            LOG.debug("tracking connection ended: {}", e.toString());
        }
    }

    /** A file's download: the head, then the bytes as they are read (a failure midway closes the connection). */
    private static void send(Response response, boolean keepAlive, OutputStream out) throws IOException {
        try (InputStream file = response.file()) {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + response.fileLength()
                    + (keepAlive ? "" : "\r\nConnection: close") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long sent = file.transferTo(out);
            if (sent != response.fileLength()) {
                throw new EOFException("the file changed while it was sent: " + sent + " of " + response.fileLength() + " bytes");
            }
        }
    }

    /** The next request on the connection, or null when the client closed it between requests. */
    private Request read(InputStream in, OutputStream out) throws IOException {
        String head = head(in);
        if (head == null) {
            return null;
        }
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "not an HTTP/1.x request line: " + lines[0]);
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        InputStream body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = new ChunkedBody(in);
        } else {
            long length;
            try {
                length = Long.parseLong(headers.getOrDefault("content-length", "0"));
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "Content-Length is not a number");
            }
            if (length < 0) {
                throw new BadRequest(400, "Content-Length is negative");
            }
            body = new LengthBody(in, length);
        }
        String target = requestLine[1];
        int question = target.indexOf('?');
        return new Request(requestLine[0], question < 0 ? target : target.substring(0, question), question < 0 ? null : target.substring(question + 1),
                headers, body, maxBodyBytes);
    }

    /** The request line and headers, without the blank line; null at a clean end of the connection. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("the request head was cut short");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > MAX_HEAD_BYTES) {
                throw new BadRequest(431, "the request head is over " + MAX_HEAD_BYTES + " bytes");
            }
        }
        byte[] bytes = head.toByteArray();
        return new String(bytes, 0, bytes.length - 4, StandardCharsets.ISO_8859_1);
    }

    /** A request's body as it is decoded; a single byte is read as a run of one. */
    private abstract static class Body extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** A body of Content-Length bytes; ends there, and says so if the connection ends first. */
    private static final class LengthBody extends Body {
        private final InputStream in;
        private long left;

        LengthBody(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left == 0) {
                return -1;
            }
            int read = in.read(buffer, offset, (int) Math.min(length, left));
            if (read < 0) {
                throw new EOFException("the request body was cut short");
            }
            left -= read;
            return read;
        }
    }

    /** A chunked body, decoded as it is read. */
    private static final class ChunkedBody extends Body {
        private final InputStream in;
        private long leftInChunk;
        private boolean ended;

        ChunkedBody(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (ended) {
                return -1;
            }
            if (leftInChunk == 0) {
                String sizeLine = line(in);
                int extension = sizeLine.indexOf(';');
                try {
                    leftInChunk = Long.parseLong((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new BadRequest(400, "a chunk size that is not hexadecimal: " + sizeLine);
                }
                if (leftInChunk == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers, not used
                    }
                    ended = true;
                    return -1;
                }
            }
            int read = in.read(buffer, offset, (int) Math.min(length, leftInChunk));
            if (read < 0) {
                throw new EOFException("a chunk was cut short");
            }
            leftInChunk -= read;
            if (leftInChunk == 0) {
                line(in);
            }
            return read;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the request was cut short");
            }
            if (b != '\r') {
                line.append((char) b);
            }
            if (line.length() > MAX_HEAD_BYTES) {
                throw new BadRequest(400, "a line of the request is over " + MAX_HEAD_BYTES + " bytes");
            }
        }
        return line.toString();
    }

    /** Status line, headers and body, as the one buffer written. */
    private static byte[] answer(Response response, boolean keepAlive) {
        byte[] json = response.json();
        byte[] head = ("HTTP/1.1 " + response.status() + " " + reason(response.status()) + "\r\nContent-Type: application/json\r\nContent-Length: "
                + json.length + (response.allow() == null ? "" : "\r\nAllow: " + response.allow()) + (keepAlive ? "" : "\r\nConnection: close")
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + json.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(json, 0, all, head.length, json.length);
        return all;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Error" : "Status";
        };
    }

    private static byte[] json(String code, String message) {
        try {
            return JSON.writeValueAsBytes(Map.of("error_code", code, "message", message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
        connections.shutdownNow();
    }
}
