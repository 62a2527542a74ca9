package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.auth.Role;
import dev.hindsight.server.ApiException;
import io.javalin.http.Context;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Authentication ({@code Authorization: Bearer TOKEN}) and authorization (role, aggregate-id prefix scope) of a
 * request against a route's {@link Rule}. A request without a known token answers {@code 401 unauthorized} (with
 * {@code WWW-Authenticate: Bearer}); a token whose role or scope does not allow the route answers
 * {@code 403 forbidden}; one over its request rate limit answers {@code 429 rate_limited} with {@code Retry-After}.
 * Never logs or echoes a token. Thread-safe.
 */
public final class Access {
    /** The request attribute holding the authenticated {@link ApiToken}. */
    public static final String TOKEN = "hindsight.token";

    /** Path parameters that name an aggregate; a scoped token must cover them. */
    private static final List<String> AGGREGATE_PARAMS = List.of("aggregate_id", "order_id");

    /** The route whose clients (browsers' {@code EventSource}) cannot send headers: the token may be a query param. */
    private static final String LIVE_FEED = "/api/events/live";

    private final TokenCache tokens;
    private final @Nullable RateLimiter limiter;

    /**
     * @param tokens the known tokens
     * @param limiter each token's request rate limit, or null for none
     */
    public Access(TokenCache tokens, @Nullable RateLimiter limiter) {
        this.tokens = tokens;
        this.limiter = limiter;
    }

    /**
     * What a route needs.
     *
     * @param open served without a token ({@code GET /health} only)
     * @param role the least role that may call it
     * @param createsIdPrefix for routes that create an aggregate with a generated id: the prefix of every such id (a
     *     scoped token may call it only if its prefix covers all of them)
     * @param globalLog for reads of the global log: a scoped token must filter with an {@code aggregate_prefix} inside
     *     its scope
     */
    public record Rule(boolean open, Role role, @Nullable String createsIdPrefix, boolean globalLog) {
        public static final Rule PUBLIC = new Rule(true, Role.reader, null, false);
        public static final Rule READ = new Rule(false, Role.reader, null, false);
        public static final Rule WRITE = new Rule(false, Role.writer, null, false);
        public static final Rule ADMIN = new Rule(false, Role.admin, null, false);
        public static final Rule GLOBAL_LOG = new Rule(false, Role.reader, null, true);

        /** A write that creates aggregates whose ids start with {@code idPrefix}. */
        public static Rule creating(String idPrefix) {
            return new Rule(false, Role.writer, idPrefix, false);
        }
    }

    /**
     * Checks the request against {@code rule} and remembers its token ({@link Exchange#token(ApiToken)}).
     *
     * @throws ApiException 401, 403 or 429
     */
    public void check(Exchange ctx, String path, Rule rule) {
        if (rule.open()) {
            return;
        }
        String secret = secret(ctx, path);
        ApiToken token = secret == null ? null : tokens.find(secret);
        if (token == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(
                    401,
                    "unauthorized",
                    secret == null
                            ? "this route needs a token: send 'Authorization: Bearer TOKEN' (an admin creates one with"
                                    + " ./hindsight tokens create --role reader|writer|admin)"
                            : "unknown or revoked token");
        }
        if (limiter != null) {
            long wait = limiter.acquire(token.name());
            if (wait > 0) {
                long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
                ctx.header("Retry-After", Long.toString(seconds));
                throw new ApiException(
                        429,
                        "rate_limited",
                        "token '" + token.name() + "' is over its request rate limit; retry after " + seconds + " s");
            }
        }
        if (!token.role().includes(rule.role())) {
            throw new ApiException(
                    403,
                    "forbidden",
                    "token '" + token.name() + "' has role " + token.role() + "; this needs " + rule.role());
        }
        for (String param : AGGREGATE_PARAMS) {
            String id = ctx.pathParam(param);
            if (id != null && Audit.isSystem(id)) {
                if (rule.role() != Role.reader) {
                    throw new ApiException(
                            403, "forbidden", "'" + id + "' is a system aggregate: only the server writes it");
                }
                if (!token.role().includes(Role.admin)) {
                    throw new ApiException(403, "forbidden", "'" + id + "' is readable by admin tokens only");
                }
            }
        }
        String prefix = token.prefix();
        if (prefix != null) {
            for (String param : AGGREGATE_PARAMS) {
                String id = ctx.pathParam(param);
                if (id != null && !id.startsWith(prefix)) {
                    throw forbiddenScope(token, "aggregate '" + id + "'");
                }
            }
            String creates = rule.createsIdPrefix();
            if (creates != null && !creates.startsWith(prefix)) {
                throw forbiddenScope(token, "new aggregates '" + creates + "…'");
            }
            String filter = ctx.queryParam("aggregate_prefix");
            if (rule.globalLog() && (filter == null || !filter.startsWith(prefix))) {
                throw forbiddenScope(token, "the whole log (filter it with aggregate_prefix=" + prefix + "…)");
            }
        }
        ctx.token(token);
    }

    private static @Nullable String secret(Exchange ctx, String path) {
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String s = header.substring(7).trim();
            return s.isEmpty() ? null : s;
        }
        if (header == null && LIVE_FEED.equals(path)) {
            String q = ctx.queryParam("access_token");
            return q == null || q.isEmpty() ? null : q;
        }
        return null;
    }

    private static ApiException forbiddenScope(ApiToken token, String what) {
        return new ApiException(
                403,
                "forbidden",
                "token '" + token.name() + "' is limited to aggregates starting with '" + token.prefix() + "'; not "
                        + what);
    }

    /** Which aggregates the request's token may write (all when auth is off); never a system aggregate. */
    static Predicate<String> writeScope(Context ctx) {
        return writeScope(ctx.<ApiToken>attribute(TOKEN));
    }

    /** Which aggregates a request with {@code token} (null: authentication off) may write. */
    static Predicate<String> writeScope(@Nullable ApiToken token) {
        return token == null ? id -> !Audit.isSystem(id) : id -> token.covers(id) && !Audit.isSystem(id);
    }

    /** Whether the request's events must leave out system aggregates: its token is not an admin's. */
    static boolean hidesSystem(Context ctx) {
        ApiToken token = ctx.attribute(TOKEN);
        return token != null && !token.role().includes(Role.admin);
    }

    /** The error of a bulk entry outside the token's scope. */
    static ApiError outsideScope(String aggregateId) {
        return Audit.isSystem(aggregateId)
                ? ApiError.of(
                        403, "forbidden", "'" + aggregateId + "' is a system aggregate: only the server writes it")
                : ApiError.of(
                        403,
                        "forbidden",
                        "the token is not allowed to write aggregate '" + aggregateId + "' (prefix scope)");
    }
}
