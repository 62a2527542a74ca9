package dev.hindsight.core.privacy;

import dev.hindsight.core.Json;
import dev.hindsight.core.spi.Snapshot;
import dev.hindsight.core.spi.SnapshotStore;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SnapshotStore} that keeps the personal fields of snapshot states encrypted like the events they were built
 * from: a state's subject is its {@code subjectField}; its {@code fields} are encrypted under that subject's key on
 * save and decrypted (or {@value Shredder#ERASED}) on load. A snapshot taken before a forget therefore loads exactly as
 * a replay of the events after it would. Thread-safe if the underlying store is.
 */
public final class ShreddingSnapshotStore implements SnapshotStore {
    private final SnapshotStore inner;
    private final Shredder shredder;
    private final String subjectField;
    private final Set<String> fields;

    public ShreddingSnapshotStore(SnapshotStore inner, Shredder shredder, String subjectField, Set<String> fields) {
        this.inner = Objects.requireNonNull(inner);
        this.shredder = Objects.requireNonNull(shredder);
        this.subjectField = Objects.requireNonNull(subjectField);
        this.fields = Set.copyOf(fields);
    }

    @Override
    public void save(Snapshot s) {
        inner.save(protect(s));
    }

    @Override
    public void saveAll(List<Snapshot> snapshots) {
        inner.saveAll(snapshots.stream().map(this::protect).toList());
    }

    private Snapshot protect(Snapshot s) {
        String subject = Json.parseObject(s.state(), "state").path(subjectField).textValue();
        if (subject == null || subject.isEmpty() || subject.equals(Shredder.ERASED) || subject.startsWith("enc:")) {
            return s;
        }
        return new Snapshot(
                s.aggregateId(),
                s.version(),
                s.timestamp(),
                s.stateSchema(),
                shredder.protectJson(s.state(), subject, fields));
    }

    @Override
    public List<Snapshot> snapshots(String aggregateId) {
        return inner.snapshots(aggregateId).stream().map(this::reveal).toList();
    }

    @Override
    public @Nullable Snapshot latest(String aggregateId, long maxVersion, @Nullable Instant asOf) {
        Snapshot s = inner.latest(aggregateId, maxVersion, asOf);
        return s == null ? null : reveal(s);
    }

    @Override
    public long bytesOnDisk() {
        return inner.bytesOnDisk();
    }

    @Override
    public void close() {
        inner.close();
    }

    private Snapshot reveal(Snapshot s) {
        String state = shredder.revealJson(s.state());
        return state.equals(s.state())
                ? s
                : new Snapshot(s.aggregateId(), s.version(), s.timestamp(), s.stateSchema(), state);
    }
}
