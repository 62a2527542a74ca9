package dev.hindsight.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.SocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * Connects the PostgreSQL JDBC driver over the server's Unix-domain socket instead of TCP, with the JDK's own
 * Unix-domain {@link SocketChannel} (no native library), for a server on the same machine (loopback TCP runs both
 * ends of the TCP stack per message; at {@code serve}'s 1,000 events/s no gain was measured, {@code
 * docs/benchmarks.md}, session 19).
 *
 * <p>Named in the JDBC URL: {@code
 * jdbc:postgresql://localhost:5432/db?socketFactory=dev.hindsight.store.postgres.UnixSocketFactory&socketFactoryArg=/var/run/postgresql}
 * ({@link #url(String, String)} adds both). {@code socketFactoryArg} is the directory of the server's socket (its
 * {@code unix_socket_directories}; default {@value #DEFAULT_DIRECTORY}), in which the driver connects to {@code
 * .s.PGSQL.<port>}, the port being the URL's; or the socket file itself. The URL's host is not used. PostgreSQL
 * authenticates such connections by its {@code local} lines of {@code pg_hba.conf}, not its {@code host} lines, and
 * never offers TLS on them (the driver's default {@code sslmode=prefer} then goes on without).
 *
 * <p>The sockets support what the driver asks of a socket: streams, close, and read timeouts ({@code socketTimeout},
 * {@code Connection.setNetworkTimeout}, waits for notifications). TCP options are accepted and ignored. A blocked read
 * on a virtual thread unmounts it, as over TCP. Thread-safe.
 */
public final class UnixSocketFactory extends SocketFactory {
    /** Where Debian's and Ubuntu's PostgreSQL packages put the socket; libpq's compiled-in default elsewhere is /tmp. */
    public static final String DEFAULT_DIRECTORY = "/var/run/postgresql";

    private final String where;

    /**
     * Called by the driver with the connection's properties.
     *
     * @param info the connection properties; {@code socketFactoryArg} is the socket's directory or file
     */
    public UnixSocketFactory(Properties info) {
        String arg = info.getProperty("socketFactoryArg");
        this.where = arg == null || arg.isBlank() ? DEFAULT_DIRECTORY : arg;
    }

    /**
     * {@code jdbcUrl} with the parameters that make the driver connect through {@code socket} (a directory or socket
     * file, see the class comment).
     *
     * @throws IllegalArgumentException if the URL already names a socket factory, or {@code socket} is blank
     */
    public static String url(String jdbcUrl, String socket) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (socket == null || socket.isBlank()) {
            throw new IllegalArgumentException("the Unix-domain socket path is blank");
        }
        if (jdbcUrl.contains("socketFactory=")) {
            throw new IllegalArgumentException("the JDBC URL already names a socket factory: " + jdbcUrl);
        }
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "socketFactory=" + UnixSocketFactory.class.getName()
                + "&socketFactoryArg=" + URLEncoder.encode(socket, StandardCharsets.UTF_8);
    }

    /** The socket file for a connection to {@code port}: {@code <directory>/.s.PGSQL.<port>}, or the file given. */
    Path socketFile(int port) {
        Path p = Path.of(where);
        return Files.isDirectory(p) ? p.resolve(".s.PGSQL." + port) : p;
    }

    @Override
    public Socket createSocket() throws SocketException {
        return new UnixSocket(this);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(InetSocketAddress.createUnresolved(host, port));
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return createSocket(host.getHostAddress(), port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket(address, port);
    }

    /**
     * A {@link Socket} face over a Unix-domain {@link SocketChannel}, which has none of its own. Reads without a
     * timeout block on the channel (a virtual thread unmounts); a read with a timeout switches the channel to
     * non-blocking for its duration and waits on a selector. Writes wait for such a read to end, so they never meet
     * a non-blocking channel.
     */
    static final class UnixSocket extends Socket {
        private final UnixSocketFactory factory;
        private final ReentrantLock mode = new ReentrantLock();
        private volatile @Nullable SocketChannel channel;
        private volatile @Nullable Path file;
        private volatile int timeoutMillis;
        private volatile boolean closed;
        private int sendBuffer = 64 * 1024;
        private int receiveBuffer = 64 * 1024;
        private @Nullable Selector selector; // guarded by mode
        private final InputStream in = new In();
        private final OutputStream out = new Out();

        UnixSocket(UnixSocketFactory factory) throws SocketException {
            super((java.net.SocketImpl) null);
            this.factory = factory;
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (channel != null) {
                throw new SocketException("already connected");
            }
            if (!(endpoint instanceof InetSocketAddress inet)) {
                throw new IllegalArgumentException("unsupported address: " + endpoint);
            }
            Path f = factory.socketFile(inet.getPort());
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(f));
            } catch (IOException e) {
                ch.close();
                java.net.ConnectException c = new java.net.ConnectException("cannot connect to PostgreSQL's"
                        + " Unix-domain socket " + f + " (" + e.getMessage() + "); is the server running, and is"
                        + " that its unix_socket_directories and port?");
                c.initCause(e);
                throw c;
            }
            this.file = f;
            this.channel = ch;
        }

        @Override
        public void bind(@Nullable SocketAddress bindpoint) throws IOException {
            throw new SocketException("a Unix-domain PostgreSQL connection cannot bind a local TCP address");
        }

        private SocketChannel open() throws SocketException {
            SocketChannel ch = channel;
            if (closed) {
                throw new SocketException("Socket is closed");
            }
            if (ch == null) {
                throw new SocketException("Socket is not connected");
            }
            return ch;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            open();
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            open();
            return out;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            SocketChannel ch = channel;
            try {
                if (ch != null) {
                    ch.close();
                }
            } finally {
                if (mode.tryLock()) { // else the timed read holding it closes its selector as it ends
                    try {
                        closeSelector();
                    } finally {
                        mode.unlock();
                    }
                }
            }
        }

        private void closeSelector() throws IOException {
            Selector s = selector;
            selector = null;
            if (s != null) {
                s.close();
            }
        }

        @Override
        public boolean isConnected() {
            return channel != null;
        }

        @Override
        public boolean isBound() {
            return channel != null;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public boolean isInputShutdown() {
            return closed;
        }

        @Override
        public boolean isOutputShutdown() {
            return closed;
        }

        @Override
        public void shutdownInput() throws IOException {
            open().shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            open().shutdownOutput();
        }

        @Override
        public void setSoTimeout(int timeout) throws SocketException {
            if (timeout < 0) {
                throw new IllegalArgumentException("timeout < 0");
            }
            this.timeoutMillis = timeout;
        }

        @Override
        public int getSoTimeout() {
            return timeoutMillis;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // no Nagle on a Unix-domain socket
        }

        @Override
        public boolean getTcpNoDelay() {
            return true;
        }

        @Override
        public void setKeepAlive(boolean on) {
            // no keep-alive probes on a Unix-domain socket: the kernel knows when the peer is gone
        }

        @Override
        public boolean getKeepAlive() {
            return false;
        }

        @Override
        public void setSendBufferSize(int size) {
            if (size <= 0) {
                throw new IllegalArgumentException("size <= 0");
            }
            sendBuffer = size;
        }

        @Override
        public int getSendBufferSize() {
            return sendBuffer;
        }

        @Override
        public void setReceiveBufferSize(int size) {
            if (size <= 0) {
                throw new IllegalArgumentException("size <= 0");
            }
            receiveBuffer = size;
        }

        @Override
        public int getReceiveBufferSize() {
            return receiveBuffer;
        }

        @Override
        public @Nullable InetAddress getInetAddress() {
            return null;
        }

        @Override
        public int getPort() {
            return 0;
        }

        @Override
        public int getLocalPort() {
            return -1;
        }

        @Override
        public @Nullable SocketAddress getRemoteSocketAddress() {
            Path f = file;
            return f == null ? null : UnixDomainSocketAddress.of(f);
        }

        @Override
        public @Nullable SocketAddress getLocalSocketAddress() {
            return null;
        }

        @Override
        public String toString() {
            Path f = file;
            return "UnixSocket[" + (f == null ? "unconnected" : f) + (closed ? ", closed" : "") + "]";
        }

        /** Reads with a timeout: non-blocking reads and a selector's wait, the channel blocking again afterwards. */
        private int timedRead(SocketChannel ch, ByteBuffer buf, int timeout) throws IOException {
            mode.lock();
            try {
                ch.configureBlocking(false);
                try {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
                    while (true) {
                        int n = ch.read(buf);
                        if (n != 0) {
                            return n;
                        }
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new SocketTimeoutException("Read timed out");
                        }
                        Selector s = selector;
                        if (s == null) {
                            s = Selector.open();
                            selector = s;
                        }
                        ch.register(s, SelectionKey.OP_READ);
                        s.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
                        s.selectedKeys().clear();
                    }
                } finally {
                    Selector s = selector;
                    SelectionKey key = s == null ? null : ch.keyFor(s);
                    if (key != null) {
                        key.cancel();
                        s.selectNow(); // deregisters, which blocking mode requires
                    }
                    if (ch.isOpen()) {
                        ch.configureBlocking(true);
                    }
                }
            } finally {
                try {
                    if (closed) {
                        closeSelector();
                    }
                } finally {
                    mode.unlock();
                }
            }
        }

        private final class In extends InputStream {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                SocketChannel ch = open();
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                int timeout = timeoutMillis;
                return timeout == 0 ? ch.read(buf) : timedRead(ch, buf, timeout);
            }

            @Override
            public int available() {
                return 0;
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        }

        private final class Out extends OutputStream {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                SocketChannel ch = open();
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                mode.lock(); // never while a timed read has the channel non-blocking
                try {
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                } finally {
                    mode.unlock();
                }
            }

            @Override
            public void close() throws IOException {
                UnixSocket.this.close();
            }
        }
    }
}
