package dev.hindsight.store.postgres;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.SocketFactory;

/**
 * Plain TCP sockets for the PostgreSQL JDBC driver that count the bytes the driver reads from the server, all
 * connections together ({@link #received}): what the server sent is what the driver holds of a result. Named in the
 * JDBC URL ({@link #url}). Thread-safe.
 */
public final class CountingSocketFactory extends SocketFactory {
    private static final AtomicLong RECEIVED = new AtomicLong();

    /** Bytes read from the server so far, over every connection made through this factory. */
    static long received() {
        return RECEIVED.get();
    }

    /** {@code jdbcUrl} with this factory as its socket factory. */
    static String url(String jdbcUrl) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "socketFactory=" + CountingSocketFactory.class.getName();
    }

    @Override
    public Socket createSocket() {
        return new Socket() {
            private InputStream in;

            @Override
            public synchronized InputStream getInputStream() throws IOException {
                if (in == null) {
                    in = new Counting(super.getInputStream());
                }
                return in;
            }
        };
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(new InetSocketAddress(host, port));
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

    private static final class Counting extends FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                RECEIVED.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                RECEIVED.addAndGet(n);
            }
            return n;
        }
    }
}
