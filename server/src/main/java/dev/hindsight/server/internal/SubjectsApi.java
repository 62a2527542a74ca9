package dev.hindsight.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.Json;
import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.server.ApiException;
import io.javalin.http.Context;

/**
 * {@code DELETE /api/subjects/{subject}}: crypto-shredding. Records {@code SubjectForgotten} in the audit trail with
 * the subject's HMAC, never the subject, then destroys the subject's data key through the store's {@link Shredder}
 * (which also runs its forget listeners, e.g. the order read model's erasure). If destroying fails after the record,
 * the answer is an error and the client retries (forgetting is idempotent; the retry is recorded too). The subject
 * appears in no log line or metric label (the route's label is its template). Thread-safe.
 */
public final class SubjectsApi {
    private final EventStore store;
    private final Audit audit;

    public SubjectsApi(EventStore store, Audit audit) {
        this.store = store;
        this.audit = audit;
    }

    public void forget(Context ctx) {
        Shredder shredder = store.shredder();
        if (shredder == null) {
            throw new ApiException(
                    404,
                    "shredding_disabled",
                    "crypto-shredding is off: start the server with --master-key-file or HINDSIGHT_MASTER_KEY");
        }
        String subject = ctx.pathParam("subject");
        if (subject.isEmpty()) {
            throw new ApiException(400, "invalid_request", "subject must not be empty");
        }
        // Recorded first: a forget is never done without its record, and on the Kafka engine a node that does not own
        // the trail's partition answers with a redirect to its owner before changing anything. The record also tells
        // other processes sharing the keys to drop their decrypted caches.
        audit.subjectForgotten(shredder.subjectRef(subject), shredder.hasKey(subject), ctx.attribute(Access.TOKEN));
        Shredder.Forgotten f = shredder.forget(subject);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("subject_ref", f.subjectRef()).put("key_destroyed", f.keyDestroyed());
        ctx.contentType("application/json").result(Json.write(out));
    }
}
