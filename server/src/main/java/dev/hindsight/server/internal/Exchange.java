package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import io.javalin.http.Context;
import org.jspecify.annotations.Nullable;

/**
 * What the code around a route (access check, tracing, error answers, metrics) needs of one HTTP request and its
 * response, whichever layer serves it: a Javalin route ({@link #of(Context)}) or the plain Jetty handler of the
 * append route ({@link AppendHandler}). One instance per request; not thread-safe.
 */
public interface Exchange {
    /** The request path as sent (not decoded), e.g. {@code /api/aggregates/a/events}. */
    String path();

    /** The raw query string, {@code null} without one. */
    @Nullable
    String queryString();

    /** A request header, {@code null} when absent. */
    @Nullable
    String header(String name);

    /** A decoded query parameter (the first if repeated), {@code null} when absent. */
    @Nullable
    String queryParam(String name);

    /** A path parameter of the route, {@code null} when the route has none of that name. */
    @Nullable
    String pathParam(String name);

    /** Sets a response header. */
    void header(String name, String value);

    /** The response status so far. */
    int status();

    /** Answers with {@code error} unless the response is already committed (then it is only logged). */
    void fail(ApiError error);

    /** Remembers the request's authenticated token ({@link Access#TOKEN}). */
    void token(ApiToken token);

    /** The request's authenticated token, {@code null} without one. */
    @Nullable
    ApiToken token();

    /** A Javalin route's exchange. */
    static Exchange of(Context ctx) {
        return new JavalinExchange(ctx);
    }
}
