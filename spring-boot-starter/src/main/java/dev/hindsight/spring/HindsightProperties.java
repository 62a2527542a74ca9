package dev.hindsight.spring;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code hindsight.*} properties.
 *
 * @param store which engine: {@code file} (default), {@code postgres} (the application's {@code DataSource}) or
 *     {@code kafka}
 * @param directory the file engine's directory, and where the other engines keep local state (Kafka's index, the
 *     SQLite read model when there is no PostgreSQL)
 * @param postgresSchema the schema of the PostgreSQL engine's tables
 * @param kafkaBootstrapServers the Kafka engine's brokers
 * @param kafkaTopic the Kafka engine's topic
 * @param kafkaPartitions partitions of a topic the engine creates
 * @param kafkaReplication replication factor of a topic the engine creates (min in-sync replicas: 2, or 1 with 1)
 * @param snapshotEvery a snapshot per aggregate every this many events (0: none)
 */
@ConfigurationProperties("hindsight")
public record HindsightProperties(
        @DefaultValue("file") Store store,
        @DefaultValue("hindsight-data") Path directory,
        @DefaultValue("hindsight") String postgresSchema,
        @Nullable String kafkaBootstrapServers,
        @DefaultValue("hindsight-events") String kafkaTopic,
        @DefaultValue("50") int kafkaPartitions,
        @DefaultValue("3") int kafkaReplication,
        @DefaultValue("100") long snapshotEvery) {

    /** The engines. */
    public enum Store {
        FILE,
        POSTGRES,
        KAFKA
    }

    public HindsightProperties {
        if (snapshotEvery < 0) {
            throw new IllegalArgumentException("hindsight.snapshot-every must be >= 0, was " + snapshotEvery);
        }
    }
}
