package dev.hindsight.core.privacy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which fields are personal: top-level text fields of {@code event_data} per event type, and of {@code metadata} for
 * every event that has a subject. An event's subject is its {@code metadata.subject} (removed before the event is
 * stored), else the declared subject field of its type's {@code event_data}. Immutable.
 *
 * @param dataFields event type → personal fields of its data
 * @param subjectFields event type → the data field naming its subject
 * @param metadataFields personal fields of metadata
 */
public record PersonalData(
        Map<String, Set<String>> dataFields, Map<String, String> subjectFields, Set<String> metadataFields) {

    /** Nothing declared: only {@code metadata.subject} events get their metadata fields encrypted. */
    public static final PersonalData NONE = new PersonalData(Map.of(), Map.of(), Set.of());

    public PersonalData {
        Map<String, Set<String>> copy = new HashMap<>();
        dataFields.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        dataFields = Map.copyOf(copy);
        subjectFields = Map.copyOf(subjectFields);
        metadataFields = Set.copyOf(metadataFields);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The personal data fields of {@code eventType}; empty if none. */
    public Set<String> fieldsOf(String eventType) {
        return dataFields.getOrDefault(eventType, Set.of());
    }

    /** The data field naming the subject of {@code eventType}, or null. */
    public @Nullable String subjectFieldOf(String eventType) {
        return subjectFields.get(eventType);
    }

    /** This declaration plus {@code other}'s. */
    public PersonalData and(PersonalData other) {
        Builder b = builder();
        for (PersonalData p : new PersonalData[] {this, other}) {
            p.dataFields.forEach((t, fs) -> fs.forEach(f -> b.field(t, f)));
            p.subjectFields.forEach(b::subject);
            p.metadataFields.forEach(b::metadataField);
        }
        return b.build();
    }

    /** Collects a {@link PersonalData}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Set<String>> data = new HashMap<>();
        private final Map<String, String> subjects = new HashMap<>();
        private final Set<String> metadata = new HashSet<>();

        private Builder() {}

        /** Declares {@code field} of {@code eventType}'s data personal. */
        public Builder field(String eventType, String field) {
            data.computeIfAbsent(Objects.requireNonNull(eventType), k -> new HashSet<>())
                    .add(Objects.requireNonNull(field));
            return this;
        }

        /** Declares the data field naming the subject of {@code eventType} (it may itself be personal). */
        public Builder subject(String eventType, String field) {
            subjects.put(Objects.requireNonNull(eventType), Objects.requireNonNull(field));
            return this;
        }

        /** Declares {@code field} of metadata personal (encrypted whenever the event has a subject). */
        public Builder metadataField(String field) {
            metadata.add(Objects.requireNonNull(field));
            return this;
        }

        public PersonalData build() {
            return new PersonalData(data, subjects, metadata);
        }
    }
}
