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
 * {@code Expect: 100-continue}; each answer, status line to last byte, leaves in one write.
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

    /** A request, its body read whole (at most {@code maxBodyBytes}). */
    record Request(String method, String path, String rawQuery, Map<String, String> headers, byte[] body) {}

    /** An answer: its status, JSON body and, for a 405, the methods the path takes (null otherwise). */
    record Response(int status, byte[] json, String allow) {
        Response(int status, byte[] json) {
            this(status, json, null);
        }
    }

    /** Answers a request; an exception is answered 500. */
    @FunctionalInterface
    interface Handler {
        Response handle(Request request) throws Exception;
    }

    /** A request this server refuses before the handler sees it, with the status to answer. */
    private static final class BadRequest extends IOException {
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
                } catch (Exception e) {
                    LOG.error("tracking call {} {} failed: {}", request.method(), request.path(), e.toString());
                    response = new Response(500, json("INTERNAL_ERROR", "the call failed in the pod: " + e.getMessage()));
                }
                boolean keepAlive = !"close".equalsIgnoreCase(request.headers().getOrDefault("connection", ""));
                out.write(answer(response, keepAlive));
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
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked(in);
        } else {
            long length;
            try {
                length = Long.parseLong(headers.getOrDefault("content-length", "0"));
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "Content-Length is not a number");
            }
            if (length < 0 || length > maxBodyBytes) {
                throw new BadRequest(413, "a request body is at most " + maxBodyBytes + " bytes");
            }
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("the request body was cut short");
            }
        }
        String target = requestLine[1];
        int question = target.indexOf('?');
        return new Request(requestLine[0], question < 0 ? target : target.substring(0, question), question < 0 ? null : target.substring(question + 1),
                headers, body);
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

    private byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int extension = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "a chunk size that is not hexadecimal: " + sizeLine);
            }
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers, not used
                }
                return body.toByteArray();
            }
            if (body.size() + size > maxBodyBytes) {
                throw new BadRequest(413, "a request body is at most " + maxBodyBytes + " bytes");
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new EOFException("a chunk was cut short");
            }
            body.write(chunk);
            line(in);
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
