package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import dev.hindsight.core.retention.RetentionRun;
import dev.hindsight.core.retention.RetentionRunner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention on PostgreSQL (ADR 0017): expired rows deleted, each aggregate's last event kept (ADR 0004). */
class PostgresRetentionTest {
    private static final RetentionPolicy POLICY =
            RetentionPolicy.parse(List.of("ord_:keep", "type=CartViewed:delete-after=90d", "tmp_:delete-after=1d"));
    private static final Instant LATER = Instant.now().plus(Duration.ofDays(100));

    private String schema;
    private PostgresEventLog log;
    private EventStore store;

    @BeforeEach
    void open() {
        schema = PgTestSupport.newSchema("retention");
        log = PostgresEventLog.open(PgTestSupport.options(schema));
        store = EventStore.of(log);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        PgTestSupport.dropSchema(schema);
    }

    private List<RecordedEvent> all() {
        List<RecordedEvent> out = new ArrayList<>();
        Position p = Position.START;
        while (true) {
            var s = log.readAll(p, 100, EventFilter.ALL);
            if (s.events().isEmpty()) {
                return out;
            }
            out.addAll(s.events());
            p = s.next();
        }
    }

    private void fill() {
        for (int c = 0; c < 5; c++) {
            store.append("cart_" + c, ExpectedVersion.NO_STREAM, EventData.of("CartCreated", "{}"));
            for (int v = 0; v < 10; v++) {
                store.append("cart_" + c, ExpectedVersion.ANY, EventData.of("CartViewed", "{\"v\":" + v + "}"));
            }
            if (c != 4) {
                store.append("cart_" + c, ExpectedVersion.ANY, EventData.of("CartCheckedOut", "{}"));
            }
        }
        store.append("ord_1", ExpectedVersion.ANY, EventData.of("CartViewed", "{}"));
        store.append("ord_1", ExpectedVersion.ANY, EventData.of("OrderCreated", "{}"));
        for (int i = 0; i < 4; i++) {
            store.append("tmp_1", ExpectedVersion.ANY, EventData.of("Note", "{}"));
        }
    }

    @Test
    void deleteExpired_deletesExpiredRows_keepingLastEventsAndUnappliedOnes() {
        fill();
        List<RecordedEvent> before = all();
        RetentionRule viewed = POLICY.rules().get(1);
        RetentionRule tmp = POLICY.rules().get(2);

        assertThat(log.deleteExpired(POLICY, Instant.now().plus(Duration.ofDays(10)), log.head()))
                .isEqualTo(Map.of(tmp, 3L));
        // only what every consumer applied: up to the 20th event
        Position mid = before.get(19).position();
        long viewsUpToMid = before.subList(0, 20).stream()
                .filter(e ->
                        e.eventType().equals("CartViewed") && e.aggregateId().startsWith("cart_"))
                .count();
        assertThat(log.deleteExpired(POLICY, LATER, mid)).isEqualTo(Map.of(viewed, viewsUpToMid));
        assertThat(all()).allSatisfy(e -> {
            if (((Position.Sequence) e.position()).compareTo((Position.Sequence) mid) > 0) {
                assertThat(before).contains(e);
            }
        });
        assertThat(log.deleteExpired(POLICY, LATER, log.head())).isEqualTo(Map.of(viewed, 49 - viewsUpToMid));
        assertThat(log.deleteExpired(POLICY, LATER, log.head())).isEmpty();

        Set<String> left = all().stream()
                .map(e -> e.aggregateId() + "/" + e.version() + "/" + e.eventType())
                .collect(Collectors.toSet());
        assertThat(left)
                .contains("cart_0/1/CartCreated", "cart_0/12/CartCheckedOut", "cart_4/11/CartViewed")
                .contains("ord_1/1/CartViewed", "tmp_1/4/Note")
                .doesNotContain("cart_0/2/CartViewed", "tmp_1/1/Note");
        assertThat(left).hasSize(before.size() - 49 - 3);
        assertThat(all())
                .isEqualTo(before.stream()
                        .filter(e -> left.contains(e.aggregateId() + "/" + e.version() + "/" + e.eventType()))
                        .toList());
        assertThat(log.readAggregate("cart_0", 1, 100, ReadDirection.FORWARD))
                .extracting(RecordedEvent::version)
                .containsExactly(1L, 12L);
        assertThat(log.aggregateVersion("cart_4")).isEqualTo(11);
        store.append("cart_4", ExpectedVersion.exact(11), EventData.of("CartViewed", "{}"));
        assertThatThrownBy(() -> store.append("cart_4", ExpectedVersion.exact(11), EventData.of("X", "{}")))
                .isInstanceOf(dev.hindsight.core.WrongExpectedVersionException.class);
    }

    /**
     * A rule given twice (serve --retention and the same line in --retention-file) is one rule: the run records what
     * it deleted once, not once per copy (it reported twice the events deleted).
     */
    @Test
    void runner_ruleGivenTwice_recordsItsDeletionsOnce() {
        fill();
        RetentionPolicy twice = RetentionPolicy.parse(List.of("tmp_:delete-after=1d", "tmp_:delete-after=24h"));
        Clock clock = Clock.fixed(Instant.now().plus(Duration.ofDays(10)), ZoneOffset.UTC);
        try (RetentionRunner runner = new RetentionRunner(log, twice, log::head, clock)) {
            RetentionRun run = runner.runOnce();

            assertThat(run.error()).isNull();
            assertThat(run.deleted()).isEqualTo(3); // tmp_1's four events but its last
            assertThat(run.rules()).containsExactly(new RetentionRun.RuleCount("tmp_:delete-after=1d", 3));
            assertThat(runner.deletedTotals()).isEqualTo(Map.of("tmp_:delete-after=1d", 3L));
        }
        assertThat(log.aggregateVersion("tmp_1")).isEqualTo(4);
    }

    /**
     * A run that fails part-way records what it deleted before the failure: the first rule's rows are gone (each batch
     * commits), the second rule's delete fails (a trigger refuses it), and the run says so with the first rule's count
     * (it recorded 0 deleted).
     */
    @Test
    void runner_runFailingPartWay_recordsWhatItDeletedBeforeTheFailure() throws Exception {
        fill();
        assertThat(all()).extracting(RecordedEvent::aggregateId).contains("tmp_1");
        refuseDeletesOf("'tmp_1'", "P0001", null);
        Clock clock = Clock.fixed(LATER, ZoneOffset.UTC);
        try (RetentionRunner runner = new RetentionRunner(log, POLICY, log::head, clock)) {
            RetentionRun run = runner.runOnce();

            assertThat(run.error()).contains("no deleting here");
            assertThat(run.rules())
                    .containsExactly(
                            new RetentionRun.RuleCount("type=CartViewed:delete-after=90d", 49),
                            new RetentionRun.RuleCount("tmp_:delete-after=1d", 0));
            assertThat(runner.deletedTotals()).containsEntry("type=CartViewed:delete-after=90d", 49L);
        }
        // what the run deleted is gone from reads: left are cart_4's last event and ord_1's (kept)
        assertThat(all())
                .filteredOn(e -> e.eventType().equals("CartViewed"))
                .extracting(RecordedEvent::aggregateId)
                .containsExactly("cart_4", "ord_1");
    }

    /**
     * A run retried after a transient failure part-way (serialization failure on the second rule, once) counts the
     * first attempt's deletions too: the retry finds them gone and deletes nothing more for that rule.
     */
    @Test
    void runner_runRetriedPartWay_countsTheFirstAttemptsDeletions() throws Exception {
        fill();
        PgTestSupport.execute("CREATE SEQUENCE " + schema + ".refusals");
        refuseDeletesOf("'tmp_1'", "40001", schema + ".refusals");
        Clock clock = Clock.fixed(LATER, ZoneOffset.UTC);
        try (RetentionRunner runner = new RetentionRunner(log, POLICY, log::head, clock)) {
            RetentionRun run = runner.runOnce();

            assertThat(run.error()).isNull();
            assertThat(run.rules())
                    .containsExactly(
                            new RetentionRun.RuleCount("type=CartViewed:delete-after=90d", 49),
                            new RetentionRun.RuleCount("tmp_:delete-after=1d", 3));
        }
    }

    /**
     * A trigger that fails deletes of rows of the aggregates in {@code ids} with SQLSTATE {@code state}: always, or,
     * with {@code onceSequence} (not rolled back with the failed delete), only the first time.
     */
    private void refuseDeletesOf(String ids, String state, String onceSequence) throws Exception {
        String once = onceSequence == null ? "" : "IF nextval('" + onceSequence + "') > 1 THEN RETURN OLD; END IF; ";
        PgTestSupport.execute("CREATE FUNCTION " + schema + ".refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF OLD.aggregate_id IN (" + ids + ") THEN " + once
                + "RAISE EXCEPTION 'no deleting here' USING ERRCODE = '" + state + "'; END IF; RETURN OLD; END $$");
        PgTestSupport.execute("CREATE TRIGGER refuse BEFORE DELETE ON " + schema + ".events FOR EACH ROW EXECUTE"
                + " FUNCTION " + schema + ".refuse()");
    }

    @Test
    void deleteExpired_deletedEventIds_stayTaken() {
        UUID id = UUID.randomUUID();
        store.append("tmp_2", ExpectedVersion.ANY, EventData.of("Note", "{}").withId(id));
        store.append("tmp_2", ExpectedVersion.ANY, EventData.of("Note", "{}"));
        assertThat(log.deleteExpired(POLICY, LATER, log.head())).containsValue(1L);
        assertThatThrownBy(() -> store.append(
                        "tmp_3", ExpectedVersion.ANY, EventData.of("Note", "{}").withId(id)))
                .isInstanceOf(DuplicateEventIdException.class);
    }
}
