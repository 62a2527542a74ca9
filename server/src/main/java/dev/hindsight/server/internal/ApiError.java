package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.DuplicateEventIdException;
import dev.hindsight.core.HindsightException;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.NotOwnerException;
import dev.hindsight.core.SizeLimitExceededException;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreLockedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.TimestampOrderException;
import dev.hindsight.core.WrongExpectedVersionException;
import dev.hindsight.server.ApiException;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An error answer: HTTP status plus the JSON body {@code {"error": code, "message": ...}} (and, for version conflicts,
 * {@code expected} and {@code actual}). Immutable.
 *
 * @param status HTTP status
 * @param code stable machine-readable code ({@link HindsightException#code()} for store errors)
 * @param message human-readable detail
 * @param conflict the version conflict, for {@code wrong_expected_version}
 */
public record ApiError(
        int status, String code, String message, @Nullable WrongExpectedVersionException conflict) {
    private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);

    public static ApiError of(int status, String code, String message) {
        return new ApiError(status, code, message, null);
    }

    /** Maps any failure of a request to its answer; unexpected ones are logged and become 500. */
    public static ApiError from(Throwable t) {
        return switch (t) {
            case WrongExpectedVersionException w -> new ApiError(409, w.code(), w.getMessage(), w);
            case DuplicateEventIdException d -> of(409, d.code(), d.getMessage());
            case TimestampOrderException o -> of(409, o.code(), o.getMessage());
            case InvalidRequestException i -> of(400, i.code(), i.getMessage());
            case SizeLimitExceededException s -> of(413, s.code(), s.getMessage());
            case NotOwnerException n -> of(n.owner() != null ? 307 : 503, n.code(), n.getMessage());
            case StoreUnavailableException u -> of(503, u.code(), u.getMessage());
            case StoreClosedException c -> of(503, c.code(), c.getMessage());
            case StoreLockedException l -> of(503, l.code(), l.getMessage());
            case CorruptionException c -> {
                LOG.error("corrupt data while serving a request", c);
                yield of(500, c.code(), c.getMessage());
            }
            case HindsightException h -> {
                LOG.error("store error while serving a request", h);
                yield of(500, h.code(), h.getMessage());
            }
            case EventsApi.NotFoundException n -> of(404, "not_found", n.getMessage());
            case ApiException a -> of(a.status(), a.code(), String.valueOf(a.getMessage()));
            case HttpResponseException h -> fromStatus(h.getStatus(), h.getMessage());
            default -> {
                LOG.error("unexpected error while serving a request", t);
                yield of(500, "internal_error", "internal server error; see the server log");
            }
        };
    }

    /** The answer for a bare HTTP status raised outside our handlers (unknown route, wrong method, bad URI). */
    public static ApiError fromStatus(int status, @Nullable String reason) {
        String code = switch (status) {
            case 400 -> "invalid_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 500 -> "internal_error";
            case 503 -> "unavailable";
            default -> "http_" + status;
        };
        String message = reason == null || reason.isBlank() ? code.replace('_', ' ') : reason;
        return of(status, code, message);
    }

    /** The JSON body. */
    public byte[] toJson() {
        try {
            return JsonOut.write(this::writeTo);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeTo(JsonGenerator g) throws IOException {
        g.writeStartObject();
        writeFields(g);
        g.writeEndObject();
    }

    /** Writes {@code error}, {@code message} (and a conflict's {@code expected} and {@code actual}) into an object. */
    public void writeFields(JsonGenerator g) throws IOException {
        g.writeStringField("error", code);
        g.writeStringField("message", message);
        if (conflict != null) {
            g.writeStringField("expected", conflict.expected().toString());
            g.writeNumberField("actual", conflict.actual());
        }
    }
}
