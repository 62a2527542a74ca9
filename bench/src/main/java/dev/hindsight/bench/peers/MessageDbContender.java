package dev.hindsight.bench.peers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Message DB (npm {@code @eventide/message-db} 1.3.1), installed by its own scripts into a scratch database, used as
 * its users do: {@code message_store.write_message} with an expected version into streams of one category
 * ({@code order-N}); a multi-event append is one transaction of several {@code write_message} calls (one statement);
 * loads through {@code get_stream_messages}. Thread-safe.
 */
final class MessageDbContender implements Contender {
    static final String VERSION = "1.3.1";
    private final HikariDataSource pool;

    private MessageDbContender(HikariDataSource pool) {
        this.pool = pool;
    }

    /**
     * Fetches the package with {@code npm pack}, drops and re-creates {@code database} with the package's
     * {@code install.sh} run as the {@code postgres} system user (it needs a superuser), and grants its role to
     * {@code user}.
     */
    static MessageDbContender install(String jdbcBase, String database, String user, String password, int poolSize)
            throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "hindsight-peers", "message-db-" + VERSION);
        Path db = dir.resolve("package/database");
        if (!Files.isDirectory(db)) {
            Files.createDirectories(dir);
            run(dir, "npm", "pack", "--silent", "@eventide/message-db@" + VERSION);
            run(dir, "tar", "xzf", "eventide-message-db-" + VERSION + ".tgz");
        }
        run(db, "su", "postgres", "-c", "psql -qc 'DROP DATABASE IF EXISTS " + database + "'");
        run(db, "su", "postgres", "-c", "DATABASE_NAME=" + database + " bash install.sh");
        run(db, "su", "postgres", "-c", "psql -qc 'GRANT message_store TO " + user + "'");
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcBase + database);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setConnectionInitSql("SET ROLE message_store; SET search_path = message_store, public");
        return new MessageDbContender(new HikariDataSource(cfg));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("failed: " + String.join(" ", command) + " in " + dir);
        }
    }

    @Override
    public String name() {
        return "Message DB " + VERSION;
    }

    @Override
    public void append(String aggregate, long expectedVersion, List<String> events) throws SQLException {
        // Message DB versions count from 0 (-1 = no stream); ours count events.
        String stream = "order-" + aggregate;
        try (Connection c = pool.getConnection()) {
            if (events.size() == 1) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT message_store.write_message(?, ?, 'OrderPlaced', ?::jsonb, NULL, ?)")) {
                    ps.setString(1, UUID.randomUUID().toString());
                    ps.setString(2, stream);
                    ps.setString(3, events.getFirst());
                    ps.setLong(4, expectedVersion - 1);
                    ps.executeQuery().close();
                }
                return;
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT message_store.write_message(gen_random_uuid()::text,"
                    + " ?, 'OrderPlaced', d::jsonb, NULL, ? + o - 1) FROM unnest(?::text[]) WITH ORDINALITY AS t(d, o)"
                    + " ORDER BY o")) {
                ps.setString(1, stream);
                ps.setLong(2, expectedVersion - 1);
                ps.setArray(3, c.createArrayOf("text", events.toArray()));
                ps.executeQuery().close();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    @Override
    public int load(String aggregate) throws SQLException {
        try (Connection c = pool.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT * FROM message_store.get_stream_messages(?, 0, 1000)")) {
            ps.setString(1, "order-" + aggregate);
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getString("data");
                    n++;
                }
            }
            return n;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
