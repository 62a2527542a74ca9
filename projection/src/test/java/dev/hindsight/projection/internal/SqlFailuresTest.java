package dev.hindsight.projection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.projection.internal.SqlFailures.Kind;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

class SqlFailuresTest {
    @Test
    void postgresStates_areSortedByWhoseFaultTheyAre() {
        assertThat(SqlFailures.of(new SQLException("lock", "55P03"), null)).isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLException("deadlock", "40P01"), null)).isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLException("serialization", "40001"), null))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLException("disk full", "53100"), null)).isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLException("closed", "08003"), null)).isEqualTo(Kind.CONNECTION);
        assertThat(SqlFailures.of(new SQLException("admin shutdown", "57P01"), null))
                .isEqualTo(Kind.CONNECTION);
        // the event's (or its handler's): constraint violations, a deferred one at commit, bad SQL, no state at all
        assertThat(SqlFailures.of(new SQLException("unique", "23505"), null)).isEqualTo(Kind.EVENT);
        assertThat(SqlFailures.of(new SQLException("deferred constraint", "40002"), null))
                .isEqualTo(Kind.EVENT);
        assertThat(SqlFailures.of(new SQLException("syntax", "42601"), null)).isEqualTo(Kind.EVENT);
        assertThat(SqlFailures.of(new IllegalStateException("poison pill"), null))
                .isEqualTo(Kind.EVENT);
    }

    @Test
    void causesAndChainedExceptions_areLookedInto_andAConnectionLossWins() {
        SQLException chained = new SQLException("batch entry failed", "23505");
        chained.setNextException(new SQLException("lock", "55P03"));
        assertThat(SqlFailures.of(chained, null)).isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new RuntimeException(new SQLRecoverableException("gone")), null))
                .isEqualTo(Kind.CONNECTION);
        assertThat(SqlFailures.of(new SQLTransientConnectionException("busy"), null))
                .isEqualTo(Kind.TRANSIENT);
        SQLException both = new SQLException("lock", "55P03");
        both.initCause(new SQLException("closed", "08006"));
        assertThat(SqlFailures.of(both, null)).isEqualTo(Kind.CONNECTION);
    }

    @Test
    void sqliteBusyAndLocked_areTransient_otherSqliteErrorsTheEvents() {
        assertThat(SqlFailures.of(new SQLiteException("busy", SQLiteErrorCode.SQLITE_BUSY), null))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLiteException("locked", SQLiteErrorCode.SQLITE_LOCKED), null))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(SqlFailures.of(new SQLiteException("constraint", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE), null))
                .isEqualTo(Kind.EVENT);
    }
}
