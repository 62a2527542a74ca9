package dev.hindsight.loadgen;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * A blocking HTTP/1.1 client of one server: each request takes an idle keep-alive connection (or opens one), writes
 * the request, reads the whole answer on the calling thread and returns the connection. No background threads, no
 * futures: {@code java.net.http}'s asynchronous machinery cost the load generator ~0.4 ms of CPU per request, on the
 * same cores as the server it measures (docs/benchmarks.md, session 16). Enough HTTP for the Hindsight API: answers
 * with {@code Content-Length} or chunked bodies, or a body up to the connection's end. Thread-safe.
 */
final class KeepAliveClient implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** A connection idle longer than this is probed before a request that must not be sent twice. */
    private static final long VALIDATE_AFTER_NANOS = 1_000_000_000L;

    /** An answer: status, the headers asked for (lower-case names; others are dropped), and the body. */
    record Answer(int status, Map<String, String> headers, byte[] body) {}

    private final String host;
    private final int port;
    private final String hostHeader;
    private final @Nullable SSLSocketFactory tls;
    private final long validateAfterNanos;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * @param base {@code http://host:port} or {@code https://...}
     * @param ssl the TLS context for {@code https}, or {@code null} for the JVM's default
     */
    KeepAliveClient(URI base, @Nullable SSLContext ssl) {
        this(base, ssl, VALIDATE_AFTER_NANOS);
    }

    /** As above; {@code validateAfterNanos}: how long a connection may idle before it is probed (for tests). */
    KeepAliveClient(URI base, @Nullable SSLContext ssl, long validateAfterNanos) {
        this.validateAfterNanos = validateAfterNanos;
        boolean https = "https".equalsIgnoreCase(base.getScheme());
        if (!https && !"http".equalsIgnoreCase(base.getScheme())) {
            throw new IllegalArgumentException("not an http(s) URL: " + base);
        }
        this.host = base.getHost();
        this.port = base.getPort() >= 0 ? base.getPort() : https ? 443 : 80;
        this.hostHeader = base.getPort() >= 0 ? host + ":" + port : host;
        this.tls = https
                ? (ssl != null ? ssl.getSocketFactory() : (SSLSocketFactory) SSLSocketFactory.getDefault())
                : null;
    }

    /**
     * Sends one request and reads its answer. A {@code GET} that fails on a reused connection before any byte of the
     * answer arrived (the server closed it while idle) is sent once more on a new connection. Any other method is
     * never sent twice, since the server may have acted on it: instead a reused connection that has been idle for a
     * while is probed first (a 1-ms read that must time out), and a failure on a reused connection is reported.
     *
     * @param method {@code GET} or {@code POST}
     * @param pathAndQuery e.g. {@code /api/orders?limit=1}
     * @param headers extra request headers
     * @param body the request body, or {@code null} for none
     * @param keep the answer headers to return, lower-case
     * @throws IOException the server cannot be reached, or closed the connection without answering
     */
    Answer send(String method, String pathAndQuery, Map<String, String> headers, byte @Nullable [] body, String... keep)
            throws IOException {
        byte[] head = head(method, pathAndQuery, headers, body);
        boolean resendable = method.equals("GET");
        Connection c = resendable ? idle.pollFirst() : validIdle();
        if (c != null) {
            try {
                return exchange(c, head, body, keep);
            } catch (StaleConnection e) {
                c.close();
                if (!resendable) {
                    throw new EOFException("the server closed a kept-alive connection without answering a " + method
                            + "; not sent again, since the server may have acted on it");
                }
            }
        }
        try {
            return exchange(open(), head, body, keep);
        } catch (StaleConnection e) {
            throw new EOFException("the server closed the connection without answering");
        }
    }

    /** An idle connection that is recently used or passes a probe, or {@code null}; dead ones are closed. */
    private @Nullable Connection validIdle() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            if (System.nanoTime() - c.lastUsedNanos < validateAfterNanos || c.alive()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private Answer exchange(Connection c, byte[] head, byte @Nullable [] body, String[] keep) throws IOException {
        boolean reuse;
        Answer answer;
        try {
            int first;
            try {
                c.out.write(head);
                if (body != null) {
                    c.out.write(body);
                }
                c.out.flush();
                first = c.in.read();
            } catch (SocketException e) {
                throw new StaleConnection(); // reset or broken pipe before any byte of an answer
            }
            if (first < 0) {
                throw new StaleConnection();
            }
            String status = line(c.in, first);
            if (!status.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x answer: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            boolean http10 = status.startsWith("HTTP/1.0");
            long length = -1;
            boolean chunked = false;
            boolean close = http10;
            Map<String, String> kept = new HashMap<>(4);
            for (String h = line(c.in, c.in.read()); !h.isEmpty(); h = line(c.in, c.in.read())) {
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" ->
                        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" ->
                        close = value.equalsIgnoreCase("close") || (http10 && !value.equalsIgnoreCase("keep-alive"));
                    default -> {}
                }
                for (String k : keep) {
                    if (k.equals(name)) {
                        kept.put(name, value);
                    }
                }
            }
            byte[] content;
            if (code / 100 == 1 || code == 204 || code == 304) {
                content = new byte[0];
            } else if (chunked) {
                content = chunked(c.in);
            } else if (length >= 0) {
                content = c.in.readNBytes((int) length);
                if (content.length < length) {
                    throw new EOFException("the answer ended after " + content.length + " of " + length + " bytes");
                }
            } else {
                content = c.in.readAllBytes();
                close = true;
            }
            answer = new Answer(code, kept, content);
            reuse = !close;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        if (reuse && !closed) {
            c.lastUsedNanos = System.nanoTime();
            idle.offerFirst(c);
        } else {
            c.close();
        }
        return answer;
    }

    private byte[] head(String method, String pathAndQuery, Map<String, String> headers, byte @Nullable [] body) {
        StringBuilder b = new StringBuilder(160 + pathAndQuery.length());
        b.append(method)
                .append(' ')
                .append(pathAndQuery)
                .append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader);
        headers.forEach((k, v) -> b.append("\r\n").append(k).append(": ").append(v));
        if (body != null) {
            b.append("\r\nContent-Length: ").append(body.length);
        }
        return b.append("\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private Connection open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            if (tls != null) {
                SSLSocket t = (SSLSocket) tls.createSocket(s, host, port, true);
                t.startHandshake();
                s = t;
            }
            return new Connection(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** One line without its CRLF, {@code first} being its first byte (already read). */
    private static String line(InputStream in, int first) throws IOException {
        StringBuilder b = new StringBuilder(64);
        for (int ch = first; ; ch = in.read()) {
            if (ch < 0) {
                throw new EOFException("the answer ended inside its head");
            }
            if (ch == '\n') {
                int n = b.length();
                return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
            }
            b.append((char) ch);
        }
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        while (true) {
            String size = line(in, in.read());
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                while (!line(in, in.read()).isEmpty()) {
                    // trailers: none used
                }
                return out.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n) {
                throw new EOFException("the answer ended inside a chunk");
            }
            out.write(chunk);
            line(in, in.read());
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            c.close();
        }
    }

    /** The server closed a kept-alive connection before answering: safe to send again on a new one. */
    private static final class StaleConnection extends IOException {
        StaleConnection() {
            super("stale connection", null);
        }
    }

    /** One connection; used by one request at a time (it is either idle in the deque or held by one caller). */
    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        long lastUsedNanos = System.nanoTime();

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }

        /** Whether the server still holds the connection open: nothing to read, and a 1-ms read times out. */
        boolean alive() {
            try {
                if (in.available() > 0) {
                    return false; // an answer nobody asked for (e.g. a timeout notice before a close)
                }
                socket.setSoTimeout(1);
                try {
                    in.read(); // a byte or the end of the stream: either way not reusable
                    return false;
                } catch (SocketTimeoutException e) {
                    return true;
                } finally {
                    socket.setSoTimeout(0);
                }
            } catch (IOException e) {
                return false;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
