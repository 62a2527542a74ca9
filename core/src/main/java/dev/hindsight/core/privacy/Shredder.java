package dev.hindsight.core.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.Json;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.ProposedEvent;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Encrypts the personal fields of events on append and decrypts them on read; {@link #forget} destroys a subject's key
 * so its fields read as {@value #ERASED} from then on, wherever the bytes went. Format and key handling: this package's
 * {@code package-info}.
 *
 * <p>Unwrapped keys are cached for at most {@link #CACHE_NANOS} (one second): another process sharing the key store
 * (PostgreSQL with split roles) stops decrypting a forgotten subject's fields within a second. Thread-safe.
 */
public final class Shredder {
    /** What an encrypted field whose key is gone reads as. */
    public static final String ERASED = "[erased]";

    /**
     * The type of the audit event a server appends after each forget (in {@code $audit}, with the subject's
     * {@code subject_ref}): other processes sharing the key store watch for it to drop their decrypted caches.
     */
    public static final String FORGOTTEN_EVENT = "SubjectForgotten";

    /** The audit trail's aggregate id (a system aggregate: written by the server and offline tools, read by admins). */
    public static final String AUDIT_STREAM = "$audit";

    /**
     * The audit event recording that a subject is being forgotten: {@code {"subject_ref", "key_destroyed"}} (the
     * subject's HMAC, never its id) with metadata {@code user_id} = who did it ({@code token:NAME}, {@code hindsight},
     * or {@code cli:OS-USER} for an offline forget); its timestamp says when.
     */
    public static EventData forgottenEvent(String subjectRef, boolean keyDestroyed, String actor) {
        ObjectNode data = Json.mapper().createObjectNode();
        data.put("subject_ref", subjectRef).put("key_destroyed", keyDestroyed);
        ObjectNode meta = Json.mapper().createObjectNode();
        meta.put("user_id", actor);
        return EventData.of(FORGOTTEN_EVENT, data.toString()).withMetadata(meta.toString());
    }

    static final long CACHE_NANOS = 1_000_000_000L;
    /** Cached keys (per map) above which stale entries are dropped. */
    static final int CACHED_KEYS = 65_536;
    /** Most key ids remembered as destroyed; past it the set starts again (the key store still answers for them). */
    static final int GONE_KEYS = 65_536;

    private static final int DATA_KEY_BYTES = 32;
    private static final int KEY_ID_BYTES = 16;

    private final MasterKey master;
    private final SubjectKeyStore keys;
    private final PersonalData personal;
    private final Map<String, Cached> bySubject = new ConcurrentHashMap<>();
    private final Map<String, Cached> byKeyId = new ConcurrentHashMap<>();
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final int goneBound;
    private final List<Consumer<String>> forgetListeners = new CopyOnWriteArrayList<>();

    private record Cached(@Nullable DataKey key, long loadedAt) {
        boolean fresh() {
            return System.nanoTime() - loadedAt < CACHE_NANOS;
        }
    }

    /**
     * The outcome of {@link #forget}.
     *
     * @param subjectRef the subject's HMAC (what the audit trail records)
     * @param keyDestroyed whether a key was deleted (false: the subject had none, or was already forgotten)
     */
    public record Forgotten(String subjectRef, boolean keyDestroyed) {}

    /**
     * @throws dev.hindsight.core.CorruptionException if the store's keys were rotated to another master key
     *     ({@link KeyRotation#forStore})
     */
    public Shredder(MasterKey master, SubjectKeyStore keys, PersonalData personal) {
        this(master, keys, personal, GONE_KEYS);
    }

    /** With another bound on the destroyed key ids remembered (tests). */
    Shredder(MasterKey master, SubjectKeyStore keys, PersonalData personal, int goneBound) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.master = KeyRotation.forStore(Objects.requireNonNull(master, "master"), keys);
        this.personal = Objects.requireNonNull(personal, "personal");
        this.goneBound = goneBound;
    }

    /** The key store. */
    public SubjectKeyStore keys() {
        return keys;
    }

    /** The declared personal fields. */
    public PersonalData personal() {
        return personal;
    }

    /** The subject's name in the key store and the audit trail. */
    public String subjectRef(String subject) {
        return master.subjectRef(subject);
    }

    /**
     * Whether the subject has a key in the key store now (read from the store, not the cache).
     *
     * @throws dev.hindsight.core.StoreUnavailableException if the key store cannot be read
     */
    public boolean hasKey(String subject) {
        return keys.bySubject(master.subjectRef(Objects.requireNonNull(subject, "subject")))
                .filter(k -> !k.isForgotten())
                .isPresent();
    }

    /**
     * Whether the subject was forgotten (or is {@value #ERASED}): what is written for it stores its personal fields as
     * {@value #ERASED}. Answered from the cache when the subject was used within the last second, else from the store.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if the key store cannot be read
     */
    public boolean isForgotten(String subject) {
        if (subject.equals(ERASED)) {
            return true;
        }
        String ref = master.subjectRef(subject);
        Cached c = bySubject.get(ref);
        if (c != null && c.fresh()) {
            return c.key() == null;
        }
        return keys.bySubject(ref).filter(SubjectKey::isForgotten).isPresent();
    }

    /**
     * Runs {@code listener} with the subject's id after each {@link #forget} has destroyed its key, e.g. to erase the
     * subject from a read model. A listener that throws fails the forget (which may be retried).
     */
    public void onForget(Consumer<String> listener) {
        forgetListeners.add(Objects.requireNonNull(listener));
    }

    /** Removes a listener added with {@link #onForget}. */
    public void removeForgetListener(Consumer<String> listener) {
        forgetListeners.remove(listener);
    }

    /**
     * Destroys the subject's data key (durably, in the key store), leaving its tombstone so that it never gets a new
     * one (what is written for it from then on, say by a writer that read its id before the forget, stores its personal
     * fields as {@value #ERASED}), then runs the forget listeners. Idempotent.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if the key store or a listener fails
     */
    public Forgotten forget(String subject) {
        String ref = master.subjectRef(Objects.requireNonNull(subject, "subject"));
        Optional<String> keyId = keys.delete(ref);
        bySubject.remove(ref);
        keyId.ifPresent(id -> {
            markGone(id);
            byKeyId.remove(id);
        });
        for (Consumer<String> l : forgetListeners) {
            l.accept(subject);
        }
        return new Forgotten(ref, keyId.isPresent());
    }

    /**
     * Drops every cached unwrapped key, so the next use reads the key store: for a process told that another one
     * sharing the key store forgot a subject (its {@value #FORGOTTEN_EVENT} event names only the subject's HMAC).
     */
    public void dropCachedKeys() {
        bySubject.clear();
        byKeyId.clear();
    }

    /**
     * The event with its personal fields encrypted under its subject's key (created on first use) and
     * {@code metadata.subject} removed; unchanged if it has no subject. A forgotten subject's fields are stored as
     * {@value #ERASED}.
     */
    public ProposedEvent protect(ProposedEvent e) {
        Set<String> fields = personal.fieldsOf(e.eventType());
        boolean mayHaveSubject = e.metadata().contains("\"subject\"");
        if (fields.isEmpty() && !mayHaveSubject) {
            return e;
        }
        ObjectNode meta = Json.parseObject(e.metadata(), "metadata");
        ObjectNode data = Json.parseObject(e.eventData(), "event_data");
        JsonNode subjectNode = meta.remove("subject");
        String subject = subjectNode != null && subjectNode.isTextual() ? subjectNode.textValue() : null;
        String subjectField = personal.subjectFieldOf(e.eventType());
        if (subject == null && subjectField != null && data.path(subjectField).isTextual()) {
            subject = data.path(subjectField).textValue();
            if (DataKey.keyIdOf(subject) != null) {
                subject = null; // stored form (an import of an export): already encrypted
            }
        }
        if (subject == null || subject.isEmpty()) {
            return subjectNode == null ? e : withJson(e, e.eventData(), Json.write(meta));
        }
        DataKey key = subject.equals(ERASED) ? null : keyFor(subject);
        if (key == null) {
            // new personal data of a forgotten subject (e.g. a note on its old order): never stored
            eraseFields(data, fields);
            eraseFields(meta, personal.metadataFields());
            return withJson(e, Json.write(data), Json.write(meta));
        }
        encryptFields(data, fields, key, e.eventId(), "data.");
        encryptFields(meta, personal.metadataFields(), key, e.eventId(), "metadata.");
        return withJson(e, Json.write(data), Json.write(meta));
    }

    /**
     * {@code json} (an object) with {@code fields} encrypted under {@code subject}'s key, for derived state such as
     * snapshots; random nonces. A forgotten subject's fields are {@value #ERASED}.
     */
    public String protectJson(String json, String subject, Set<String> fields) {
        ObjectNode node = Json.parseObject(json, "state");
        DataKey key = keyFor(subject);
        if (key == null) {
            eraseFields(node, fields);
        } else {
            encryptFields(node, fields, key, null, "");
        }
        return Json.write(node);
    }

    /** The event with its encrypted fields decrypted, or {@value #ERASED} where the key is gone. */
    public RecordedEvent reveal(RecordedEvent e) {
        boolean inData = e.eventData().contains(DataKey.PREFIX);
        boolean inMeta = e.metadata().contains(DataKey.PREFIX);
        if (!inData && !inMeta) {
            return e;
        }
        return new RecordedEvent(
                e.eventId(),
                e.aggregateId(),
                e.eventType(),
                e.schemaVersion(),
                inData ? revealJson(e.eventData()) : e.eventData(),
                inMeta ? revealJson(e.metadata()) : e.metadata(),
                e.version(),
                e.position(),
                e.timestamp(),
                e.recordedAt());
    }

    /** The events with {@link #reveal} applied. */
    public List<RecordedEvent> reveal(List<RecordedEvent> events) {
        for (RecordedEvent e : events) {
            if (e.eventData().contains(DataKey.PREFIX) || e.metadata().contains(DataKey.PREFIX)) {
                return events.stream().map(this::reveal).toList();
            }
        }
        return events;
    }

    /** JSON text with every encrypted string value, at any depth, decrypted or {@value #ERASED}. */
    public String revealJson(String json) {
        if (!json.contains(DataKey.PREFIX)) {
            return json;
        }
        try {
            JsonNode node = Json.mapper().readTree(json);
            return Json.write(revealNode(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new dev.hindsight.core.CorruptionException("stored JSON does not parse: " + ex.getOriginalMessage());
        }
    }

    private JsonNode revealNode(JsonNode node) {
        if (node.isTextual()) {
            String v = node.textValue();
            String keyId = DataKey.keyIdOf(v);
            if (keyId == null) {
                return node;
            }
            DataKey key = keyById(keyId);
            return TextNode.valueOf(key == null ? ERASED : key.decrypt(v));
        }
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                f.setValue(revealNode(f.getValue()));
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, revealNode(a.get(i)));
            }
        }
        return node;
    }

    private void encryptFields(
            ObjectNode node, Set<String> fields, DataKey key, @Nullable UUID eventId, String pathPrefix) {
        for (String f : fields) {
            JsonNode v = node.get(f);
            if (v != null && v.isTextual() && DataKey.keyIdOf(v.textValue()) == null) {
                node.put(f, key.encrypt(v.textValue(), eventId, pathPrefix + f, master));
            }
        }
    }

    private static void eraseFields(ObjectNode node, Set<String> fields) {
        for (String f : fields) {
            if (node.path(f).isTextual()) {
                node.put(f, ERASED);
            }
        }
    }

    private static ProposedEvent withJson(ProposedEvent e, String data, String meta) {
        return new ProposedEvent(
                e.eventId(),
                e.aggregateId(),
                e.eventType(),
                e.schemaVersion(),
                data,
                meta,
                e.timestamp(),
                e.timestampAssigned(),
                e.idFresh());
    }

    /** The subject's key, created on first use; null if the subject was forgotten (its tombstone is cached too). */
    private @Nullable DataKey keyFor(String subject) {
        String ref = master.subjectRef(subject);
        Cached c = bySubject.get(ref);
        if (c != null && c.fresh()) {
            return c.key();
        }
        SubjectKey stored = keys.getOrCreate(ref, () -> {
            String keyId =
                    java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(master.randomBytes(KEY_ID_BYTES));
            return new SubjectKey(ref, keyId, master.wrap(master.randomBytes(DATA_KEY_BYTES), keyId));
        });
        DataKey key = stored.isForgotten()
                ? null
                : new DataKey(stored.keyId(), master.unwrap(stored.wrapped(), stored.keyId()));
        cache(bySubject, ref, new Cached(key, System.nanoTime()));
        return key;
    }

    /**
     * Caches {@code c}; past {@value #CACHED_KEYS} entries first drops the stale ones (older than the second an entry
     * is trusted, so never used again), so the cache holds the subjects of about the last second, not every subject
     * ever seen.
     */
    private static void cache(Map<String, Cached> map, String id, Cached c) {
        if (map.size() >= CACHED_KEYS) {
            map.values().removeIf(old -> !old.fresh());
        }
        map.put(id, c);
    }

    /**
     * Remembers a destroyed key id, so that reads of its fields ask the key store no more; bounded by
     * {@value #GONE_KEYS} (one per forgotten subject would otherwise grow with every forget ever made): when full it
     * starts again, which costs a key-store lookup per forgotten id read again, never a wrong answer.
     */
    private void markGone(String keyId) {
        if (gone.size() >= goneBound) {
            gone.clear();
        }
        gone.add(keyId);
    }

    /** Key ids remembered as destroyed (for tests of the bound). */
    int goneRemembered() {
        return gone.size();
    }

    private @Nullable DataKey keyById(String keyId) {
        if (gone.contains(keyId)
                || keyId.equals(KeyRotation.REF_KEY_ENTRY)
                || keyId.startsWith(SubjectKey.FORGOTTEN_PREFIX)) {
            return null;
        }
        Cached c = byKeyId.get(keyId);
        if (c != null && c.fresh()) {
            return c.key();
        }
        Optional<SubjectKey> stored = keys.byKeyId(keyId);
        if (stored.isEmpty()) {
            // Key ids are random and never reused: a key that is gone never comes back.
            markGone(keyId);
            byKeyId.remove(keyId);
            return null;
        }
        DataKey key = new DataKey(keyId, master.unwrap(stored.get().wrapped(), keyId));
        cache(byKeyId, keyId, new Cached(key, System.nanoTime()));
        return key;
    }
}
