package dev.hindsight.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hindsight.aggregate.AggregateRepository;
import dev.hindsight.aggregate.Decider;
import dev.hindsight.aggregate.EventTypeRegistry;
import dev.hindsight.aggregate.Loaded;
import dev.hindsight.aggregate.SnapshotPolicy;
import dev.hindsight.aggregate.StateCodec;
import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.memory.InMemoryEventLog;
import dev.hindsight.core.memory.InMemorySnapshotStore;
import dev.hindsight.core.tracing.SpanNames;
import dev.hindsight.core.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code eventstore.load} and {@code projection.batch} spans, with the SDK's in-memory exporter. */
class StoreTracingTest {
    /** A counter aggregate: the command is the amount to add. */
    public record Added(long amount) {}

    public record Total(long value) {}

    private static final Decider<Long, Total, Added> COUNTER = new Decider<>() {
        @Override
        public Total initialState() {
            return new Total(0);
        }

        @Override
        public List<Added> decide(Long command, Total state) {
            return List.of(new Added(command));
        }

        @Override
        public Total evolve(Total state, Added event) {
            return new Total(state.value() + event.amount());
        }
    };

    @TempDir
    Path dir;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    private final Tracing tracing =
            Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider).build());

    @AfterEach
    void close() {
        provider.close();
    }

    private List<SpanData> named(String name) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
    }

    @Test
    void load_fromSnapshot_spanNamesAggregateVersionAndSnapshot() throws Exception {
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).tracing(tracing).build();
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore(5);
        try (AggregateRepository<Long, Total, Added> repo = AggregateRepository.builder(
                        store,
                        COUNTER,
                        EventTypeRegistry.<Added>builder()
                                .register(Added.class, "Added")
                                .build(),
                        StateCodec.of(Total.class, 1))
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(3))
                .build()) {
            for (long i = 1; i <= 4; i++) {
                repo.handle("counter-1", i);
            }
            repo.awaitSnapshots();
            exporter.reset();

            Loaded<Total> loaded = repo.load("counter-1");

            assertThat(loaded.state().value()).isEqualTo(10);
            List<SpanData> loads = named(SpanNames.LOAD);
            assertThat(loads).hasSize(1);
            SpanData load = loads.getFirst();
            assertThat(load.getAttributes().get(SpanNames.AGGREGATE_ID)).isEqualTo("counter-1");
            assertThat(load.getAttributes().get(SpanNames.VERSION)).isEqualTo(4L);
            assertThat(load.getAttributes().get(SpanNames.SNAPSHOT_USED)).isTrue();
            assertThat(load.getAttributes().get(SpanNames.SNAPSHOT_VERSION)).isEqualTo(3L);
            assertThat(load.getAttributes().get(SpanNames.REPLAYED)).isEqualTo(1L);
        }
    }

    @Test
    void commandInsideASpan_loadAndAppendAreItsChildren() {
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).tracing(tracing).build();
        try (AggregateRepository<Long, Total, Added> repo = AggregateRepository.builder(
                        store,
                        COUNTER,
                        EventTypeRegistry.<Added>builder()
                                .register(Added.class, "Added")
                                .build(),
                        StateCodec.of(Total.class, 1))
                .build()) {
            String parent = tracing.inSpan("command", SpanKind.INTERNAL, span -> {
                repo.handle("counter-2", 5L);
                return span.getSpanContext().getSpanId();
            });

            assertThat(named(SpanNames.LOAD)).singleElement().satisfies(s -> {
                assertThat(s.getParentSpanId()).isEqualTo(parent);
                assertThat(s.getAttributes().get(SpanNames.SNAPSHOT_USED)).isFalse();
            });
            assertThat(named(SpanNames.APPEND))
                    .singleElement()
                    .satisfies(s -> assertThat(s.getParentSpanId()).isEqualTo(parent));
            assertThat(Span.current().getSpanContext().isValid())
                    .as("no span leaks")
                    .isFalse();
        }
    }

    @Test
    void projection_batchSpanNamesProjectionSizeAndPositions() throws Exception {
        EventStore store =
                EventStore.builder(new InMemoryEventLog()).tracing(tracing).build();
        AppendResult last = null;
        for (int i = 0; i < 3; i++) {
            last = store.append(
                    "cart-1", ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"s" + i + "\",\"qty\":1}"));
        }
        try (ProjectionEngine engine = ProjectionEngine.builder(
                        store, ReadModelDatabase.sqlite(dir.resolve("readmodel.db")))
                .add(new CartProjection("carts"))
                .build()
                .start()) {
            assertThat(engine.awaitPosition("carts", last.position(), Duration.ofSeconds(10)))
                    .isTrue();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !named(SpanNames.PROJECTION_BATCH).isEmpty());

            List<SpanData> batches = named(SpanNames.PROJECTION_BATCH);
            assertThat(batches)
                    .allSatisfy(b -> assertThat(b.getAttributes().get(SpanNames.PROJECTION))
                            .isEqualTo("carts"));
            assertThat(batches.stream()
                            .mapToLong(b -> b.getAttributes().get(SpanNames.BATCH_SIZE))
                            .sum())
                    .isEqualTo(3);
            assertThat(batches.getFirst().getAttributes().get(SpanNames.FROM_POSITION))
                    .isEqualTo("0");
            assertThat(batches.getLast().getAttributes().get(SpanNames.POSITION))
                    .isEqualTo(last.position().toString());
        }
    }

    @Test
    void tracingOff_noSpansFromLoadsOrProjections() throws Exception {
        EventStore store = EventStore.builder(new InMemoryEventLog())
                .tracing(Tracing.off())
                .build();
        AppendResult r =
                store.append("cart-2", ExpectedVersion.ANY, EventData.of("ItemAdded", "{\"sku\":\"a\",\"qty\":1}"));
        try (ProjectionEngine engine = ProjectionEngine.builder(store, ReadModelDatabase.sqlite(dir.resolve("off.db")))
                .add(new CartProjection("carts"))
                .build()
                .start()) {
            assertThat(engine.awaitPosition("carts", r.position(), Duration.ofSeconds(10)))
                    .isTrue();
        }
        provider.forceFlush();
        assertThat(exporter.getFinishedSpanItems()).isEmpty();
    }
}
