package dev.hindsight.server.internal;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's error page for failures Javalin never sees (malformed HTTP, ambiguous URIs): the same JSON error body as
 * every other error instead of HTML. Thread-safe.
 *
 * <p>These failures happen before any handler has read the request body, so the answer closes the connection and says
 * so ({@code Connection: close}): otherwise Jetty may drop the connection after the response to discard the unread
 * body, and a client that pooled it would see its next request fail with no response at all.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField CLOSE = new HttpField(HttpHeader.CONNECTION, "close");

    @Override
    protected void generateResponse(
            Request request,
            Response response,
            int code,
            @Nullable String message,
            @Nullable Throwable cause,
            Callback callback) {
        response.getHeaders().put(JSON);
        response.getHeaders().put(CLOSE);
        response.write(
                true,
                ByteBuffer.wrap(
                        ApiError.fromStatus(code, detail(code, message, cause)).toJson()),
                callback);
    }

    /** Jetty's reason when it has a specific one ("Ambiguous URI encoding"), else a hint at what it rejects. */
    private static @Nullable String detail(int code, @Nullable String message, @Nullable Throwable cause) {
        String specific = cause == null ? null : cause.getMessage();
        if (specific != null && !specific.isBlank() && !specific.matches("\\d{3}: [A-Za-z ]+")) {
            return specific;
        }
        if (code == 400 && (message == null || message.equals("Bad Request"))) {
            return "malformed request: the request line, URI or headers were rejected"
                    + " (for example an encoded control character, or an ambiguous path)";
        }
        return message;
    }
}
