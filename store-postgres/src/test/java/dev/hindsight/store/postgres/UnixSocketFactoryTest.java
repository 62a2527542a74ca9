package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.WrongExpectedVersionException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@link UnixSocketFactory} against the real server's Unix-domain socket ({@code HINDSIGHT_PG_SOCKET}, default
 * {@code /var/run/postgresql}): the connection really is not TCP; read timeouts and timed waits for notifications
 * work (the driver's {@code setSoTimeout} uses); a missing socket is a clear error; the store over it appends with its
 * checks. The whole conformance suite over the socket: {@link PostgresUnixSocketTckTest}.
 */
class UnixSocketFactoryTest {

    private static Connection connectUnix() throws SQLException {
        return DriverManager.getConnection(PgTestSupport.socketUrl(), PgTestSupport.USER, PgTestSupport.PASSWORD);
    }

    /** The client address the server sees: NULL for a Unix-domain connection. */
    private static String clientAddress(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT inet_client_addr()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connects_throughTheUnixSocket_notTcp() throws Exception {
        try (Connection tcp = PgTestSupport.connect();
                Connection unix = connectUnix()) {
            assertThat(clientAddress(tcp)).isNotNull();
            assertThat(clientAddress(unix)).isNull();
            try (Statement s = unix.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_database(), repeat('x', 100000)")) {
                rs.next(); // an answer larger than one read, through the same streams
                assertThat(rs.getString(1)).isEqualTo(tcp.getCatalog());
                assertThat(rs.getString(2)).hasSize(100_000);
            }
        }
    }

    @Test
    void networkTimeout_endsABlockedRead() throws Exception {
        try (Connection unix = connectUnix();
                ExecutorService executor = Executors.newSingleThreadExecutor()) {
            unix.setNetworkTimeout(executor, 300);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> {
                        try (Statement s = unix.createStatement()) {
                            s.execute("SELECT pg_sleep(3)");
                        }
                    })
                    .isInstanceOf(SQLException.class)
                    .hasRootCauseInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2_500));
        }
    }

    @Test
    void notifications_timedWaitsReturn_andDeliver() throws Exception {
        try (Connection unix = connectUnix();
                Connection tcp = PgTestSupport.connect()) {
            try (Statement s = unix.createStatement()) {
                s.execute("LISTEN unix_socket_test");
            }
            PGConnection pg = unix.unwrap(PGConnection.class);
            long t0 = System.nanoTime();
            assertThat(pg.getNotifications(300)).isEmpty();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(waited).isBetween(250L, 2_500L);

            try (Statement s = tcp.createStatement()) {
                s.execute("NOTIFY unix_socket_test, 'hello'");
            }
            PGNotification[] got = pg.getNotifications(5_000);
            assertThat(got).extracting(PGNotification::getParameter).containsExactly("hello");
            // the channel is back in blocking mode and the connection still works after the timed reads
            assertThat(clientAddress(unix)).isNull();
        }
    }

    @Test
    void missingSocket_isAClearError(@TempDir Path empty) {
        String url = UnixSocketFactory.url(PgTestSupport.URL, empty.toString());
        assertThatThrownBy(() -> DriverManager.getConnection(url, PgTestSupport.USER, PgTestSupport.PASSWORD)
                        .close())
                .isInstanceOf(SQLException.class)
                .hasStackTraceContaining("Unix-domain socket " + empty.resolve(".s.PGSQL."));
    }

    @Test
    void url_addsTheFactory_andRefusesASecondOneOrABlankPath() {
        assertThat(UnixSocketFactory.url("jdbc:postgresql://localhost:5432/db", "/var/run/postgresql"))
                .isEqualTo("jdbc:postgresql://localhost:5432/db?socketFactory="
                        + "dev.hindsight.store.postgres.UnixSocketFactory&socketFactoryArg=%2Fvar%2Frun%2Fpostgresql");
        assertThat(UnixSocketFactory.url("jdbc:postgresql://h/db?ApplicationName=x", "/s"))
                .startsWith("jdbc:postgresql://h/db?ApplicationName=x&socketFactory=");
        assertThatThrownBy(() -> UnixSocketFactory.url("jdbc:postgresql://h/db?socketFactory=a.B", "/s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already names a socket factory");
        assertThatThrownBy(() -> UnixSocketFactory.url("jdbc:postgresql://h/db", " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
    }

    @Test
    void store_overTheSocket_appendsWithItsChecks_andItsConnectionsAreUnix() throws Exception {
        String schema = PgTestSupport.newSchema("unixstore");
        PostgresOptions options = PgTestSupport.options(schema, PgTestSupport.socketUrl())
                .withPartitions(2)
                .withGroupCommit(true, 1)
                .withGroupCommitLinger(Duration.ofMillis(1))
                .withApplicationName("hindsight-unix-" + schema);
        try (PostgresEventLog log = PostgresEventLog.open(options)) {
            EventStore store = EventStore.of(log);
            store.append("a", ExpectedVersion.NO_STREAM, EventData.of("E", "{\"n\":1}"));
            store.append("a", ExpectedVersion.exact(1), EventData.of("E", "{\"n\":2}"));
            assertThatThrownBy(() -> store.append("a", ExpectedVersion.exact(1), EventData.of("E", "{}")))
                    .isInstanceOf(WrongExpectedVersionException.class);
            assertThat(log.readAggregate("a", 1, 10, dev.hindsight.core.ReadDirection.FORWARD))
                    .hasSize(2);
            try (Connection tcp = PgTestSupport.connect();
                    Statement s = tcp.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*), count(client_addr) FROM pg_stat_activity"
                            + " WHERE application_name = 'hindsight-unix-" + schema + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the store's connections").isPositive();
                assertThat(rs.getInt(2)).as("of them over TCP").isZero();
            }
        } finally {
            PgTestSupport.dropSchema(schema);
        }
    }
}
