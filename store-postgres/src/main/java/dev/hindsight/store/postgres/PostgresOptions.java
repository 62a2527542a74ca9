package dev.hindsight.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a PostgreSQL store lives and how it behaves. Immutable and thread-safe; start from {@link #defaults(String)}.
 *
 * @param jdbcUrl e.g. {@code jdbc:postgresql://127.0.0.1:5432/hindsight}
 * @param user database user, {@code null} for the driver's default
 * @param password its password, {@code null} for none
 * @param schema schema holding the store's tables, created by the migrations: a lower-case SQL identifier of at most
 *     48 characters (default {@code hindsight}); several stores can share a database with different schemas
 * @param partitions hash partitions of the event tables, fixed when the schema is created (default 16)
 * @param poolSize most pooled connections (default 16); the notification listener holds one more, and so does each
 *     group-commit writer
 * @param groupCommit merge concurrent appends into one transaction (default off); a rejected append still fails alone
 * @param groupCommitWriters how many group-commit transactions may run at once (default 2)
 * @param groupCommitLinger with group commit: how long after the oldest queued append was queued its batch may wait
 *     for more appends to share its transaction and WAL flush (default zero: a lone append runs at once, on a pooled
 *     connection; {@code serve} sets 3 ms). No append waits longer than this for its batch to start (one queued that
 *     long behind a busy writer runs at once); a single appender that waits for each append pays the linger on every
 *     one, so this suits independent requests at a steady rate
 * @param synchronousCommit {@code false} runs the sessions with {@code synchronous_commit = off}: an acknowledged
 *     append may be lost if the server crashes (never half-applied, never out of order); default {@code true}
 * @param retryFor how long an operation keeps retrying after a lost connection or a deadlock before it fails with
 *     {@link dev.hindsight.core.StoreUnavailableException} (default 5 s); appends retry safely because they are
 *     idempotent by event id
 * @param migrate whether opening runs the schema migrations (default {@code true})
 * @param applicationName shown in {@code pg_stat_activity} (default {@code hindsight})
 */
public record PostgresOptions(
        String jdbcUrl,
        @Nullable String user,
        @Nullable String password,
        String schema,
        int partitions,
        int poolSize,
        boolean groupCommit,
        int groupCommitWriters,
        Duration groupCommitLinger,
        boolean synchronousCommit,
        Duration retryFor,
        boolean migrate,
        String applicationName) {

    /** Longest {@link #groupCommitLinger()}: it adds to an append's latency. */
    public static final Duration MAX_LINGER = Duration.ofMillis(50);

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

    public PostgresOptions {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(retryFor, "retryFor");
        Objects.requireNonNull(groupCommitLinger, "groupCommitLinger");
        Objects.requireNonNull(applicationName, "applicationName");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 48"
                    + " characters), was '" + schema + "'");
        }
        if (partitions < 1 || partitions > 1024) {
            throw new IllegalArgumentException("partitions must be between 1 and 1024, was " + partitions);
        }
        if (poolSize < 2) {
            throw new IllegalArgumentException("poolSize must be >= 2, was " + poolSize);
        }
        if (groupCommitWriters < 1) {
            throw new IllegalArgumentException("groupCommitWriters must be >= 1, was " + groupCommitWriters);
        }
        if (groupCommitLinger.isNegative() || groupCommitLinger.compareTo(MAX_LINGER) > 0) {
            throw new IllegalArgumentException("groupCommitLinger must be between 0 and " + MAX_LINGER.toMillis()
                    + " ms, was " + groupCommitLinger);
        }
        if (retryFor.isNegative()) {
            throw new IllegalArgumentException("retryFor must not be negative");
        }
    }

    /** The defaults for a database at {@code jdbcUrl}, with the driver's default credentials. */
    public static PostgresOptions defaults(String jdbcUrl) {
        return new PostgresOptions(
                jdbcUrl,
                null,
                null,
                "hindsight",
                16,
                16,
                false,
                2,
                Duration.ZERO,
                true,
                Duration.ofSeconds(5),
                true,
                "hindsight");
    }

    /** A builder holding {@link #defaults(String) the defaults} for {@code jdbcUrl}. */
    public static Builder builder(String jdbcUrl) {
        return defaults(jdbcUrl).toBuilder();
    }

    /** A builder holding these options, to change several at once. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public PostgresOptions withCredentials(@Nullable String user, @Nullable String password) {
        return toBuilder().credentials(user, password).build();
    }

    public PostgresOptions withSchema(String schema) {
        return toBuilder().schema(schema).build();
    }

    public PostgresOptions withPartitions(int partitions) {
        return toBuilder().partitions(partitions).build();
    }

    public PostgresOptions withPoolSize(int poolSize) {
        return toBuilder().poolSize(poolSize).build();
    }

    public PostgresOptions withGroupCommit(boolean groupCommit, int writers) {
        return toBuilder().groupCommit(groupCommit, writers).build();
    }

    public PostgresOptions withGroupCommitLinger(Duration groupCommitLinger) {
        return toBuilder().groupCommitLinger(groupCommitLinger).build();
    }

    public PostgresOptions withSynchronousCommit(boolean synchronousCommit) {
        return toBuilder().synchronousCommit(synchronousCommit).build();
    }

    public PostgresOptions withRetryFor(Duration retryFor) {
        return toBuilder().retryFor(retryFor).build();
    }

    public PostgresOptions withMigrate(boolean migrate) {
        return toBuilder().migrate(migrate).build();
    }

    public PostgresOptions withApplicationName(String applicationName) {
        return toBuilder().applicationName(applicationName).build();
    }

    /**
     * Mutable options, checked when {@link #build() built}; the parameters mean what the record's components mean. Not
     * thread-safe.
     */
    public static final class Builder {
        private final String jdbcUrl;
        private @Nullable String user;
        private @Nullable String password;
        private String schema;
        private int partitions;
        private int poolSize;
        private boolean groupCommit;
        private int groupCommitWriters;
        private Duration groupCommitLinger;
        private boolean synchronousCommit;
        private Duration retryFor;
        private boolean migrate;
        private String applicationName;

        private Builder(PostgresOptions from) {
            this.jdbcUrl = from.jdbcUrl;
            this.user = from.user;
            this.password = from.password;
            this.schema = from.schema;
            this.partitions = from.partitions;
            this.poolSize = from.poolSize;
            this.groupCommit = from.groupCommit;
            this.groupCommitWriters = from.groupCommitWriters;
            this.groupCommitLinger = from.groupCommitLinger;
            this.synchronousCommit = from.synchronousCommit;
            this.retryFor = from.retryFor;
            this.migrate = from.migrate;
            this.applicationName = from.applicationName;
        }

        public Builder credentials(@Nullable String user, @Nullable String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder poolSize(int poolSize) {
            this.poolSize = poolSize;
            return this;
        }

        public Builder groupCommit(boolean groupCommit, int writers) {
            this.groupCommit = groupCommit;
            this.groupCommitWriters = writers;
            return this;
        }

        public Builder groupCommitLinger(Duration groupCommitLinger) {
            this.groupCommitLinger = groupCommitLinger;
            return this;
        }

        public Builder synchronousCommit(boolean synchronousCommit) {
            this.synchronousCommit = synchronousCommit;
            return this;
        }

        public Builder retryFor(Duration retryFor) {
            this.retryFor = retryFor;
            return this;
        }

        public Builder migrate(boolean migrate) {
            this.migrate = migrate;
            return this;
        }

        public Builder applicationName(String applicationName) {
            this.applicationName = applicationName;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if a value is out of range (as the record's constructor checks)
         */
        public PostgresOptions build() {
            return new PostgresOptions(
                    jdbcUrl,
                    user,
                    password,
                    schema,
                    partitions,
                    poolSize,
                    groupCommit,
                    groupCommitWriters,
                    groupCommitLinger,
                    synchronousCommit,
                    retryFor,
                    migrate,
                    applicationName);
        }
    }

    /**
     * Opens a connection pool for these options: {@code poolSize} connections plus one for the notification listener
     * and, with group commit, one for each writer (which keeps its own). The caller closes it.
     *
     * @throws com.zaxxer.hikari.pool.HikariPool.PoolInitializationException if the database cannot be reached
     */
    public HikariDataSource openPool() {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        if (user != null) {
            cfg.setUsername(user);
        }
        if (password != null) {
            cfg.setPassword(password);
        }
        cfg.setPoolName("hindsight-" + schema);
        // Every statement of an append must see what committed before it (the checks read the aggregate's last event
        // after taking its lock) and reads of the global log need a new snapshot per statement: whatever the
        // server's default, READ COMMITTED.
        cfg.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        cfg.setMaximumPoolSize(poolSize + 1 + (groupCommit ? groupCommitWriters : 0));
        cfg.setMinimumIdle(Math.min(4, poolSize + 1));
        cfg.setConnectionTimeout(Math.max(250, Math.min(30_000, retryFor.toMillis())));
        cfg.setValidationTimeout(Math.max(250, Math.min(5_000, retryFor.toMillis())));
        cfg.addDataSourceProperty("ApplicationName", applicationName);
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        if (!synchronousCommit) {
            cfg.setConnectionInitSql("SET synchronous_commit = off");
        }
        return new HikariDataSource(cfg);
    }

    @Override
    public String toString() {
        return "PostgresOptions[" + jdbcUrl + ", user=" + user + ", schema=" + schema + ", partitions=" + partitions
                + ", poolSize=" + poolSize + ", groupCommit=" + groupCommit + "/" + groupCommitWriters
                + ", linger=" + groupCommitLinger
                + ", synchronousCommit=" + synchronousCommit + ", retryFor=" + retryFor + "]";
    }
}
