package dev.hindsight.projection;

import dev.hindsight.core.StoreUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The SQL database read models live in: an embedded SQLite file (the zero-setup default) or PostgreSQL through a
 * {@link DataSource}. Hands out connections for writers (one per runner) and a small pool of readers for queries.
 * Thread-safe.
 */
public final class ReadModelDatabase implements AutoCloseable {
    private static final int READERS = 8;

    private final Dialect dialect;
    private final ConnectionFactory factory;
    private final ConnectionFactory writerFactory;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final String description;
    private final @Nullable Path file;

    /** Opens connections. */
    @FunctionalInterface
    interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    private ReadModelDatabase(
            Dialect dialect,
            ConnectionFactory factory,
            ConnectionFactory writerFactory,
            String description,
            @Nullable Path file) {
        this.file = file;
        this.dialect = dialect;
        this.factory = factory;
        this.writerFactory = writerFactory;
        this.description = description;
    }

    /**
     * An embedded SQLite database in {@code file} (created if missing), in WAL mode so queries never wait for writers.
     * {@code synchronous=NORMAL}: a power loss may lose the last committed batches, but each batch is committed with
     * its checkpoint, so the runner redoes exactly those.
     */
    public static ReadModelDatabase sqlite(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new StoreUnavailableException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        return new ReadModelDatabase(
                Dialect.SQLITE,
                () -> sqliteConnection(url, false),
                () -> sqliteConnection(url, true),
                "sqlite:" + file,
                file.toAbsolutePath());
    }

    /**
     * Does now, on the calling thread, what the first SQLite connection of this JVM otherwise does before it can open:
     * loads the driver's native library (extracted from its jar to a temporary file) and registers the JDBC drivers.
     * For start-up: a server calls it on another thread while its event store opens. A failure is left for the
     * connection that needs the library, which then reports it. Thread-safe.
     */
    public static void loadSqlite() {
        try {
            org.sqlite.SQLiteJDBCLoader.initialize();
            DriverManager.getDrivers();
        } catch (Exception | LinkageError e) {
            // the first connection tries again and fails with the cause
        }
    }

    /**
     * Writers begin transactions IMMEDIATE: they take the write lock up front and wait for it (busy timeout) instead
     * of failing with SQLITE_BUSY when a read transaction cannot be upgraded after another writer committed.
     */
    private static Connection sqliteConnection(String url, boolean writer) throws SQLException {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setJournalMode(org.sqlite.SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        config.setCacheSize(-65536);
        // Deleted and overwritten values are zeroed in the file, not left in free pages (crypto-shredding erases
        // forgotten subjects from the read model with UPDATEs).
        config.setPragma(org.sqlite.SQLiteConfig.Pragma.SECURE_DELETE, "true");
        if (writer) {
            config.setTransactionMode(org.sqlite.SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        return DriverManager.getConnection(url, config.toProperties());
    }

    /** A PostgreSQL database (the read-model schema is the data source's default schema). */
    public static ReadModelDatabase postgres(DataSource dataSource) {
        Objects.requireNonNull(dataSource);
        return new ReadModelDatabase(
                Dialect.POSTGRES, dataSource::getConnection, dataSource::getConnection, "postgres", null);
    }

    public Dialect dialect() {
        return dialect;
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * A new connection for one writer, in auto-commit mode while idle (an idle SQLite writer must not hold the write
     * lock); write through {@link #inTransaction}. The caller closes it.
     */
    public Connection openWriter() throws SQLException {
        Connection c = writerFactory.open();
        c.setAutoCommit(true);
        return c;
    }

    /** Work inside a transaction. */
    @FunctionalInterface
    public interface SqlWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction on {@code c}: commits if it returns, rolls back if it throws, and leaves the
     * connection in auto-commit mode either way.
     */
    public static void inTransaction(Connection c, SqlWork work) throws SQLException {
        c.setAutoCommit(false);
        boolean done = false;
        try {
            work.run();
            done = true;
        } finally {
            if (done) {
                c.setAutoCommit(true);
            } else {
                try {
                    c.rollback();
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    /**
     * Bytes the read models take: the SQLite file with its write-ahead log, or on PostgreSQL every table of the read
     * model's schema with its indexes; {@code -1} if they cannot be measured.
     */
    public long bytesOnDisk() {
        if (file != null) {
            long bytes = 0;
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Path p = file.resolveSibling(file.getFileName() + suffix);
                try {
                    bytes += Files.exists(p) ? Files.size(p) : 0;
                } catch (java.io.IOException e) {
                    return -1;
                }
            }
            return bytes;
        }
        Connection c = null;
        boolean broken = false;
        try {
            c = borrowReader();
            try (java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)"
                            + " FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
                            + " AND c.relkind IN ('r', 'm')")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            broken = true;
            return -1;
        } finally {
            if (c != null) {
                release(c, broken);
            }
        }
    }

    /** Borrows a reader connection (auto-commit on); give it back with {@link #release}. */
    Connection borrowReader() throws SQLException {
        Connection c = readers.poll();
        if (c != null && !c.isClosed()) {
            return c;
        }
        Connection fresh = factory.open();
        fresh.setAutoCommit(true);
        return fresh;
    }

    void release(Connection c, boolean broken) {
        try {
            if (broken || c.isClosed() || !readers.offer(c)) {
                c.close();
            }
        } catch (SQLException ignored) {
            // a reader we cannot close is gone anyway
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = readers.poll()) != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
    }
}
