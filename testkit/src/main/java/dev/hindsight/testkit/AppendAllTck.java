package dev.hindsight.testkit;

import static dev.hindsight.testkit.TckSupport.event;
import static dev.hindsight.testkit.TckSupport.events;
import static dev.hindsight.testkit.TckSupport.id;
import static dev.hindsight.testkit.TckSupport.readWholeLog;
import static dev.hindsight.testkit.TckSupport.versions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.Append;
import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.EventData;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.WrongExpectedVersionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Batched appends ({@code EventStore.appendAll}): each append of a batch is atomic on its own with its own expected
 * version, a rejected one fails alone, appends of one aggregate are judged in batch order, and the outcomes come back
 * in batch order with the same results and errors single appends would have had.
 */
public abstract class AppendAllTck extends TckFixture {

    @Test
    void appendAll_manyAggregates_eachStoredAtomically_outcomesInOrder() {
        List<Append> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(new Append("acct-" + i, ExpectedVersion.NO_STREAM, events(1 + i % 3)));
        }
        List<AppendOutcome> out = store.appendAll(batch);

        assertThat(out).hasSize(50).allMatch(AppendOutcome::ok);
        for (int i = 0; i < 50; i++) {
            AppendOutcome o = out.get(i);
            assertThat(Objects.requireNonNull(o.result()).aggregateId()).isEqualTo("acct-" + i);
            assertThat(o.result().firstVersion()).isEqualTo(1);
            assertThat(o.result().lastVersion()).isEqualTo(1 + i % 3);
            List<RecordedEvent> stored = store.read("acct-" + i).events();
            assertThat(versions(stored)).hasSize(1 + i % 3);
            assertThat(stored.getLast().position()).isEqualTo(o.result().position());
        }
        assertThat(readWholeLog(store))
                .hasSize(batch.stream().mapToInt(a -> a.events().size()).sum());
    }

    @Test
    void appendAll_sameAggregateTwice_judgedInBatchOrder() {
        List<AppendOutcome> out = store.appendAll(List.of(
                new Append("acct-1", ExpectedVersion.NO_STREAM, events(2)),
                new Append("acct-2", ExpectedVersion.NO_STREAM, events(1)),
                new Append("acct-1", ExpectedVersion.exact(2), events(1)),
                new Append("acct-1", ExpectedVersion.exact(2), events(1))));

        assertThat(out.get(0).ok()).isTrue();
        assertThat(out.get(1).ok()).isTrue();
        assertThat(Objects.requireNonNull(out.get(2).result()).firstVersion()).isEqualTo(3);
        assertThat(out.get(3).error())
                .isInstanceOfSatisfying(
                        WrongExpectedVersionException.class,
                        e -> assertThat(e.actual()).isEqualTo(3));
        assertThat(store.read("acct-1").version()).isEqualTo(3);
    }

    @Test
    void appendAll_badAndConflictingEntries_failAlone_othersStored() {
        store.append("acct-existing", ExpectedVersion.NO_STREAM, events(1));
        EventData duplicateId = new EventData(id(7), "Deposited", 1, "{\"n\":1}", null);
        store.append("acct-dup", ExpectedVersion.ANY, duplicateId);
        EventData sameIdOtherContent = new EventData(id(7), "Deposited", 1, "{\"n\":2}", null);

        List<AppendOutcome> out = store.appendAll(List.of(
                new Append("acct-a", ExpectedVersion.NO_STREAM, events(1)),
                new Append("acct-existing", ExpectedVersion.NO_STREAM, events(1)),
                new Append("acct-b", ExpectedVersion.ANY, List.of(event("bad type!", "{}"))),
                new Append("acct-c", ExpectedVersion.ANY, List.of(sameIdOtherContent)),
                new Append("acct-d", ExpectedVersion.exact(0), events(2))));

        assertThat(out.get(0).ok()).isTrue();
        assertThat(out.get(1).error()).isInstanceOf(WrongExpectedVersionException.class);
        assertThat(out.get(2).error()).isInstanceOf(InvalidRequestException.class);
        assertThat(out.get(3).error()).isInstanceOf(DuplicateEventIdException.class);
        assertThat(out.get(4).ok()).isTrue();
        assertThat(store.read("acct-a").version()).isEqualTo(1);
        assertThat(store.read("acct-existing").version()).isEqualTo(1);
        assertThat(store.read("acct-b").version()).isZero();
        assertThat(store.read("acct-c").version()).isZero();
        assertThat(store.read("acct-d").version()).isEqualTo(2);
    }

    @Test
    void appendAll_retryOfAStoredBatch_isIdempotent() {
        List<Append> batch = List.of(
                new Append("acct-1", ExpectedVersion.NO_STREAM, List.of(new EventData(id(1), "Opened", 1, "{}", null))),
                new Append(
                        "acct-2", ExpectedVersion.NO_STREAM, List.of(new EventData(id(2), "Opened", 1, "{}", null))));
        List<AppendOutcome> first = store.appendAll(batch);
        List<AppendOutcome> again = store.appendAll(batch);

        assertThat(again).allMatch(AppendOutcome::ok);
        for (int i = 0; i < 2; i++) {
            assertThat(again.get(i).result()).isEqualTo(first.get(i).result());
        }
        assertThat(store.read("acct-1", 1, 10, ReadDirection.FORWARD).events()).hasSize(1);
        assertThat(readWholeLog(store)).hasSize(2);
    }
}
