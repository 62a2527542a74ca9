package dev.hindsight.cli;

import dev.hindsight.core.EventFilter;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.Position;
import dev.hindsight.orders.OrderSystem;
import dev.hindsight.projection.PartitionReader;
import dev.hindsight.projection.ProjectionEngine;
import dev.hindsight.store.kafka.GroupMembership;
import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@code read-model} role over the Kafka engine: every such process is active, and they split the topic's
 * partitions through consumer group {@code hindsight-readmodel-<topic>} (ADR 0014). This process runs the order
 * projection over the partitions the group gives it, reading them through its local index and committing each
 * partition's checkpoint row with the batch, fenced by an owner epoch; a partition the group takes away is stopped
 * before the group hands it on, and one lost by a stalled process is fenced at its next batch. A partition whose claim
 * fails (the read model unreachable) is claimed again in the background until it succeeds or the group takes the
 * partition away ({@link PartitionClaims}). Gauge
 * {@code hindsight_readmodel_partitions}: how many partitions it applies. Thread-safe.
 *
 * <p>One runner (one read-model connection) applies all of the process's partitions, whatever their number: a runner
 * per partition would need a connection each (50 partitions by default).
 */
final class PartitionedReadModel implements AutoCloseable {
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final OrderSystem system;
    private final ProjectionEngine engine;
    private final GroupMembership membership;
    private final PartitionClaims claims;

    private PartitionedReadModel(
            OrderSystem system, ProjectionEngine engine, GroupMembership membership, PartitionClaims claims) {
        this.system = system;
        this.engine = engine;
        this.membership = membership;
        this.claims = claims;
    }

    /** The consumer group of the read-model processes of {@code topic}. */
    static String group(String topic) {
        return "hindsight-readmodel-" + topic;
    }

    /**
     * Builds the order system (read model in {@code database}'s {@code <schema>_readmodel}, created or migrated) and
     * joins the group; runners start as partitions are assigned. Its order meters go to {@code registry}.
     *
     * @throws CliException if the read model cannot be opened
     */
    static PartitionedReadModel start(
            EventStore store, KafkaEventLog log, DataSource database, PostgresOptions options, MeterRegistry registry) {
        return start(store, log, database, options, null, registry, registry);
    }

    /**
     * As {@link #start(EventStore, KafkaEventLog, DataSource, PostgresOptions, MeterRegistry)} inside the {@code api}
     * process: on the read model the api's order system uses too, with no order meters (the api's order system, which
     * takes the commands, registers them; the second registration would be ignored and leave them reading this
     * system's idle service).
     */
    static PartitionedReadModel startBeside(
            EventStore store,
            KafkaEventLog log,
            DataSource database,
            PostgresOptions options,
            OrdersWiring.SharedReadModel readModel,
            MeterRegistry registry) {
        return start(store, log, database, options, readModel, null, registry);
    }

    private static PartitionedReadModel start(
            EventStore store,
            KafkaEventLog log,
            DataSource database,
            PostgresOptions options,
            OrdersWiring.@Nullable SharedReadModel readModel,
            @Nullable MeterRegistry orderMeters,
            MeterRegistry registry) {
        OrderSystem system = OrdersWiring.postgres(store, database, options, reader(log), readModel, orderMeters);
        ProjectionEngine engine = Objects.requireNonNull(system.projections(), "projections");
        PartitionClaims claims = new PartitionClaims(
                new PartitionClaims.Target() {
                    @Override
                    public void assign(Collection<Integer> partitions) {
                        engine.assign(partitions);
                    }

                    @Override
                    public void revoke(Collection<Integer> partitions) {
                        engine.revoke(partitions);
                    }
                },
                FIRST_RETRY,
                MAX_RETRY);
        GroupMembership membership;
        try {
            membership = log.joinGroup(group(log.options().topic()), claims);
        } catch (RuntimeException e) {
            claims.close();
            system.close();
            throw new CliException("cannot join group " + group(log.options().topic()) + ": " + e.getMessage());
        }
        Gauge.builder(
                        "hindsight.readmodel.partitions",
                        engine,
                        e -> e.assignedPartitions().size())
                .description("Partitions of the topic whose read model this process applies")
                .register(registry);
        return new PartitionedReadModel(system, engine, membership, claims);
    }

    /** The partitions this process applies now, ascending. */
    List<Integer> partitions() {
        return engine.assignedPartitions();
    }

    /** Stops the runners (each after its batch in flight), then leaves the group. */
    @Override
    public void close() {
        claims.close();
        system.close();
        membership.close();
    }

    @Override
    public String toString() {
        return "read model of group " + membership.group();
    }

    /** {@code log}'s partitions, read without the others. */
    static PartitionReader reader(KafkaEventLog log) {
        return new PartitionReader() {
            @Override
            public int partitions() {
                return log.options().partitions();
            }

            @Override
            public GlobalSlice read(Set<Integer> partitions, Position after, int limit, EventFilter filter) {
                return log.readPartitions(partitions, after, limit, filter);
            }

            @Override
            public boolean awaitAfter(Set<Integer> partitions, Position after, Duration timeout)
                    throws InterruptedException {
                return log.awaitPartitions(partitions, after, timeout);
            }
        };
    }
}
