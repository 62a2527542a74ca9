package dev.hindsight.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaTestCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code hindsight.store=kafka} against a real in-process one-node KRaft cluster. */
class HindsightKafkaAutoConfigurationIT {
    @TempDir
    Path dir;

    @Test
    void kafkaStore_fromProperties_handlesCommands() throws Exception {
        try (KafkaTestCluster cluster = KafkaTestCluster.start(dir.resolve("kafka"), 1)) {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            HindsightAutoConfiguration.class, HindsightObservabilityConfiguration.class))
                    .withUserConfiguration(HindsightAutoConfigurationTest.App.class)
                    .withPropertyValues(
                            "hindsight.store=kafka",
                            "hindsight.kafka-bootstrap-servers=" + cluster.bootstrapServers(),
                            "hindsight.kafka-topic=spring-it",
                            "hindsight.kafka-partitions=3",
                            "hindsight.kafka-replication=1",
                            "hindsight.directory=" + dir.resolve("local"))
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        assertThat(ctx.getBean(EventLog.class)).isInstanceOf(KafkaEventLog.class);
                        var repo = ctx.getBean(AggregateRepositories.class).of(HindsightAutoConfigurationTest.COUNTER);
                        repo.handle("c-1", new HindsightAutoConfigurationTest.Add(2));
                        repo.handle("c-1", new HindsightAutoConfigurationTest.Add(3));
                        assertThat(repo.load("c-1").state()).isEqualTo(new HindsightAutoConfigurationTest.Total(5));
                    });
        }
    }

    @Test
    void kafkaStore_withoutBootstrapServers_failsNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(HindsightAutoConfiguration.class))
                .withPropertyValues("hindsight.store=kafka", "hindsight.directory=" + dir)
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("hindsight.kafka-bootstrap-servers"));
    }
}
