package dev.hindsight.aggregate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.Objects;

/**
 * Serializes an aggregate's state for snapshots and fingerprints its shape. Bump {@code stateVersion} whenever the
 * state record changes shape: snapshots with another fingerprint are then ignored (and the aggregate rebuilt from
 * events) rather than deserialized into the wrong shape. Immutable, thread-safe.
 *
 * @param <S> the state type
 */
public final class StateCodec<S> {
    private final Class<S> type;
    private final int stateVersion;
    private final String fingerprint;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    private StateCodec(Class<S> type, int stateVersion) {
        this.type = Objects.requireNonNull(type);
        this.stateVersion = stateVersion;
        this.fingerprint = type.getName() + "@" + stateVersion;
        this.reader = EventTypeRegistry.MAPPER.readerFor(type);
        this.writer = EventTypeRegistry.MAPPER.writerFor(type);
    }

    /**
     * A codec for {@code type} at declared state version {@code stateVersion}.
     */
    public static <S> StateCodec<S> of(Class<S> type, int stateVersion) {
        return new StateCodec<>(type, stateVersion);
    }

    /** {@code <state class>@<state version>}. */
    public String fingerprint() {
        return fingerprint;
    }

    public Class<S> type() {
        return type;
    }

    public int stateVersion() {
        return stateVersion;
    }

    public String write(S state) {
        try {
            return writer.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize state " + type.getName(), e);
        }
    }

    public S read(String json) {
        try {
            return reader.readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read state " + fingerprint + ": " + e.getOriginalMessage(), e);
        }
    }
}
