package dev.hindsight.core.privacy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** Subject keys in memory only (the in-memory store, tests). Thread-safe. */
public final class InMemorySubjectKeyStore implements SubjectKeyStore {
    private final Map<String, SubjectKey> bySubject = new ConcurrentHashMap<>();
    private final Map<String, SubjectKey> byKeyId = new ConcurrentHashMap<>();

    @Override
    public synchronized SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create) {
        SubjectKey k = bySubject.get(subjectRef);
        if (k == null) {
            k = create.get();
            put(k);
        }
        return k;
    }

    @Override
    public Optional<SubjectKey> bySubject(String subjectRef) {
        return Optional.ofNullable(bySubject.get(subjectRef));
    }

    @Override
    public Optional<SubjectKey> anyKey() {
        return bySubject.values().stream().filter(k -> !k.isForgotten()).findFirst();
    }

    @Override
    public Optional<SubjectKey> byKeyId(String keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    @Override
    public synchronized void replaceAll(UnaryOperator<List<SubjectKey>> replace) {
        List<SubjectKey> next = replace.apply(List.copyOf(bySubject.values()));
        bySubject.clear();
        byKeyId.clear();
        next.forEach(this::put);
    }

    private void put(SubjectKey k) {
        bySubject.put(k.subjectRef(), k);
        if (!k.isForgotten()) {
            byKeyId.put(k.keyId(), k);
        }
    }

    @Override
    public synchronized Optional<String> delete(String subjectRef) {
        SubjectKey k = bySubject.put(subjectRef, SubjectKey.forgotten(subjectRef));
        if (k == null || k.isForgotten()) {
            return Optional.empty();
        }
        byKeyId.remove(k.keyId());
        return Optional.of(k.keyId());
    }
}
