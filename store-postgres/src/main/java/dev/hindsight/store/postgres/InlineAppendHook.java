package dev.hindsight.store.postgres;

import dev.hindsight.core.RecordedEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Work done inside an append's transaction, after its events are written and before it commits: the way to keep a
 * read model in the same database exactly in step with the log (an inline, or synchronous, projection). Registered with
 * {@link PostgresEventLog#addInlineHook}.
 *
 * <p>The hook runs once per append with that append's events (positions, versions and commit time as readers will see
 * them), on the append's connection (do not commit, roll back or close it; the search path is the pool's). If it
 * throws, the append is rolled back and fails with {@link InlineHookException} (or is retried, if the failure is a
 * lost connection or a deadlock, which roll back the whole transaction), so no event is stored without its effect.
 * It is called only for appends that store events: an idempotent retry of stored events does not call it again.
 * With group commit, one transaction carries several appends and calls the hook once for each; if any of those calls
 * fails, the whole transaction is rolled back and every append in it runs again alone, so one failing append does
 * not fail the others. Implementations must be thread-safe: appends run concurrently.
 */
@FunctionalInterface
public interface InlineAppendHook {

    /**
     * @param c the append's connection, inside its transaction
     * @param events the events it stored, in order
     * @throws SQLException to roll back the append
     */
    void beforeCommit(Connection c, List<RecordedEvent> events) throws SQLException;
}
