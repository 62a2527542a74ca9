package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.Position;
import dev.hindsight.relay.OutboxRelay;
import dev.hindsight.relay.RelayTarget;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A scrape of {@code /metrics} reads the relay's status once (a status reads up to 10,000 unpublished events), not
 * once per relay meter (lag in events, lag in ms, events published), and the next scrape reads it afresh.
 */
class RelayMetersTest {
    @Test
    void oneScrape_readsTheRelayStatusOnce() {
        AtomicInteger reads = new AtomicInteger();
        AtomicLong nanos = new AtomicLong(1_000);
        OutboxRelay.Status status = new OutboxRelay.Status(
                RelayTarget.parse("kafka://127.0.0.1:1/events"), Position.of(3), 5, 7, 250, null, 1);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RelayPlugin.StatusPerScrape meterStatus = new RelayPlugin.StatusPerScrape(
                () -> {
                    reads.incrementAndGet();
                    return status;
                },
                () -> 2,
                nanos::get);
        RelayPlugin.meters(registry, meterStatus);

        System.gc(); // the meters hold meterStatus weakly: its holder keeps it (below), as RelayPlugin does
        String scrape = registry.scrape();

        assertThat(reads).as("status reads in one scrape").hasValue(1);
        assertThat(scrape)
                .contains("hindsight_relay_lag_events 7.0")
                .contains("hindsight_relay_lag_ms 250.0")
                .contains("hindsight_relay_published_total 5.0")
                .contains("hindsight_relay_failures_total 2.0");

        nanos.addAndGet(RelayPlugin.StatusPerScrape.FRESH.toNanos()); // the next scrape, a scrape interval later
        registry.scrape();
        assertThat(reads).as("status reads after two scrapes").hasValue(2);
        Reference.reachabilityFence(meterStatus);
    }
}
