package dev.hindsight.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.StoreLimits;
import dev.hindsight.core.spi.ProposedEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which ids the validator vouches for as never stored ({@link ProposedEvent#idFresh()}): only its own random ones. */
class EventValidatorFreshIdTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T00:00:00Z"), ZoneOffset.UTC);
    private static final UUID GIVEN = UUID.fromString("3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70");

    @Test
    void validate_idDrawnFromRandomUuids_isFresh() {
        ProposedEvent p = new EventValidator(StoreLimits.DEFAULT, CLOCK, new RandomUuids())
                .validate("a", List.of(EventData.of("T", "{}")))
                .getFirst();

        assertThat(p.idFresh()).isTrue();
    }

    @Test
    void validate_clientGivenId_isNotFresh() {
        ProposedEvent p = new EventValidator(StoreLimits.DEFAULT, CLOCK, new RandomUuids())
                .validate("a", List.of(new EventData(GIVEN, "T", 1, "{}", null)))
                .getFirst();

        assertThat(p.eventId()).isEqualTo(GIVEN);
        assertThat(p.idFresh()).isFalse();
    }

    @Test
    void validate_idOfAnotherSupplier_isNotFresh() {
        // a supplier of the application's (EventStore.Builder.idSupplier) may repeat ids: the store cannot vouch
        ProposedEvent p = new EventValidator(StoreLimits.DEFAULT, CLOCK, () -> GIVEN)
                .validate("a", List.of(EventData.of("T", "{}")))
                .getFirst();

        assertThat(p.eventId()).isEqualTo(GIVEN);
        assertThat(p.idFresh()).isFalse();
    }

    @Test
    void withTimestamp_keepsIdFresh() {
        ProposedEvent p = new EventValidator(StoreLimits.DEFAULT, CLOCK, new RandomUuids())
                .validate("a", List.of(EventData.of("T", "{}")))
                .getFirst();

        assertThat(p.withTimestamp(Instant.parse("2026-12-07T00:00:01Z")).idFresh())
                .isTrue();
    }
}
