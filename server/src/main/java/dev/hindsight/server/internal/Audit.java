package dev.hindsight.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.Json;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.privacy.Shredder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: admin actions as events of the system aggregate {@value #STREAM}, readable by admin tokens only.
 * Token changes ({@code TokenCreated}, {@code TokenRevoked}: name, role, prefix, never the token or its hash) are
 * recorded when the server first sees them (at start, against what the trail already holds, and on every reload);
 * admin requests ({@code AdminRequest}: method, path, status, token name) when they have been answered; forgotten
 * subjects ({@code SubjectForgotten}: the subject's HMAC, never its id). A failed
 * audit append is logged, never fails the action. Thread-safe.
 */
public final class Audit {
    /** The audit trail's aggregate id; ids starting with {@code $} are the server's. */
    public static final String STREAM = Shredder.AUDIT_STREAM;

    private static final Logger LOG = LoggerFactory.getLogger(Audit.class);

    private final EventStore store;

    public Audit(EventStore store) {
        this.store = store;
    }

    /** Whether {@code aggregateId} is a system aggregate (only admins read it). */
    public static boolean isSystem(String aggregateId) {
        return aggregateId.startsWith("$");
    }

    /** Records an admin request that was answered with {@code status}. */
    public void adminRequest(String method, String path, int status, @Nullable ApiToken token) {
        ObjectNode data = Json.mapper().createObjectNode();
        data.put("method", method).put("path", path).put("status", status);
        append("AdminRequest", data, token == null ? null : token.name());
    }

    /**
     * Records that a subject is being forgotten (crypto-shredding): its HMAC ({@code subject_ref}), whether it has a
     * key to destroy, and by which token (metadata {@code user_id}); the event's timestamp says when. Unlike the other
     * records this one must be written: the forget waits for it.
     *
     * @throws dev.hindsight.core.StoreUnavailableException if the trail cannot be written; on the Kafka engine
     *     {@link dev.hindsight.core.NotOwnerException} when another node owns the trail's partition (the server
     *     answers with a redirect there)
     */
    public void subjectForgotten(String subjectRef, boolean keyDestroyed, @Nullable ApiToken token) {
        store.append(
                STREAM,
                ExpectedVersion.ANY,
                List.of(Shredder.forgottenEvent(
                        subjectRef, keyDestroyed, token == null ? "hindsight" : "token:" + token.name())));
    }

    /** Records the difference between the tokens the trail knows and {@code now}, by name. */
    public synchronized void tokens(Map<String, ApiToken> now) {
        Map<String, ObjectNode> known = new HashMap<>();
        try {
            long from = 1;
            while (true) {
                List<RecordedEvent> page =
                        store.read(STREAM, from, 1_000, ReadDirection.FORWARD).events();
                for (RecordedEvent e : page) {
                    ObjectNode d = Json.parseObject(e.eventData(), "audit event");
                    switch (e.eventType()) {
                        case "TokenCreated" -> known.put(d.path("name").asText(), d);
                        case "TokenRevoked" -> known.remove(d.path("name").asText());
                        default -> {
                            // other admin actions
                        }
                    }
                }
                if (page.size() < 1_000) {
                    break;
                }
                from += page.size();
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the audit trail: {}", e.toString());
            return;
        }
        for (String name : known.keySet()) {
            if (!now.containsKey(name)) {
                append("TokenRevoked", Json.mapper().createObjectNode().put("name", name), null);
            }
        }
        for (ApiToken t : now.values()) {
            ObjectNode k = known.get(t.name());
            if (k == null || !k.path("created_at").asText().equals(t.createdAt().toString())) {
                if (k != null) {
                    append("TokenRevoked", Json.mapper().createObjectNode().put("name", t.name()), null);
                }
                ObjectNode d = Json.mapper().createObjectNode();
                d.put("name", t.name()).put("role", t.role().name());
                if (t.prefix() != null) {
                    d.put("prefix", t.prefix());
                }
                d.put("created_at", t.createdAt().toString());
                append("TokenCreated", d, null);
            }
        }
    }

    private static EventData event(String type, ObjectNode data, @Nullable String tokenName) {
        ObjectNode meta = Json.mapper().createObjectNode();
        meta.put("user_id", tokenName == null ? "hindsight" : "token:" + tokenName);
        return EventData.of(type, data.toString()).withMetadata(meta.toString());
    }

    /** Best effort: a failure is logged, not thrown. */
    private void append(String type, ObjectNode data, @Nullable String tokenName) {
        try {
            store.append(STREAM, ExpectedVersion.ANY, List.of(event(type, data, tokenName)));
        } catch (RuntimeException e) {
            LOG.warn("cannot append {} to the audit trail: {}", type, e.toString());
        }
    }
}
