package dev.hindsight.store.postgres.internal;

import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import dev.hindsight.core.spi.RetentionSupport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Deletes expired events from the PostgreSQL engine's {@code events} table (ADR 0017), rule by rule in policy order,
 * in batches of {@value #BATCH} rows, each batch its own transaction. A rule deletes the events it matches that no
 * earlier rule matches, whose timestamp is older than its age and whose position is at or below what every consumer
 * applied; never an aggregate's last event (ADR 0004: appends read the version and last timestamp from it). The rows
 * of {@code event_ids} stay, so a deleted event's id is never reused. Thread-safe.
 */
public final class RetentionDeletes {
    static final int BATCH = 5_000;

    private final DataSource ds;
    private final String schema;

    public RetentionDeletes(DataSource ds, String schema) {
        this.ds = ds;
        this.schema = schema;
    }

    /** Runs the delete rules of {@code policy}, telling {@code deletions} about each committed batch. */
    public void run(RetentionPolicy policy, Instant now, long appliedUpTo, RetentionSupport.Deletions deletions)
            throws SQLException {
        List<RetentionRule> rules = policy.rules();
        for (int i = 0; i < rules.size(); i++) {
            RetentionRule rule = rules.get(i);
            Duration age = rule.deleteAfter();
            if (age == null) {
                continue;
            }
            deleteRule(rules.subList(0, i), rule, now.minus(age), appliedUpTo, deletions);
        }
    }

    private void deleteRule(
            List<RetentionRule> earlier,
            RetentionRule rule,
            Instant before,
            long appliedUpTo,
            RetentionSupport.Deletions deletions)
            throws SQLException {
        List<Object> args = new ArrayList<>();
        StringBuilder where = new StringBuilder("x.position <= ? AND x.ts < ? AND ");
        args.add(appliedUpTo);
        args.add(Timestamp.from(before));
        where.append(match(rule, args));
        for (RetentionRule e : earlier) {
            where.append(" AND NOT ").append(match(e, args));
        }
        String sql = "DELETE FROM " + schema + ".events d WHERE (d.aggregate_id, d.version) IN (SELECT x.aggregate_id,"
                + " x.version FROM " + schema + ".events x WHERE " + where
                + " AND x.version < (SELECT l.version FROM " + schema + ".events l WHERE l.aggregate_id ="
                + " x.aggregate_id ORDER BY l.version DESC LIMIT 1) LIMIT " + BATCH + ")";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int k = 0; k < args.size(); k++) {
                ps.setObject(k + 1, args.get(k));
            }
            int n;
            do {
                n = ps.executeUpdate(); // autocommit: one transaction per batch
                if (n > 0) {
                    deletions.deleted(rule, n); // committed: counted even if a later batch fails
                }
            } while (n == BATCH);
        }
    }

    private static String match(RetentionRule rule, List<Object> args) {
        return switch (rule.match()) {
            case RetentionRule.Match.AggregatePrefix p -> {
                args.add(p.prefix());
                yield "starts_with(x.aggregate_id, ?)";
            }
            case RetentionRule.Match.EventType t -> {
                args.add(t.type());
                yield "x.event_type = ?";
            }
            case RetentionRule.Match.All a -> "true";
        };
    }
}
