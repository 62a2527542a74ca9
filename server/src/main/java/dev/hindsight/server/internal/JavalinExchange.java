package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import io.javalin.http.Context;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An {@link Exchange} over a Javalin {@link Context}. Not thread-safe. */
record JavalinExchange(Context ctx) implements Exchange {
    private static final Logger LOG = LoggerFactory.getLogger(JavalinExchange.class);

    @Override
    public String path() {
        return ctx.path();
    }

    @Override
    public @Nullable String queryString() {
        return ctx.queryString();
    }

    @Override
    public @Nullable String header(String name) {
        return ctx.header(name);
    }

    @Override
    public @Nullable String queryParam(String name) {
        return ctx.queryParam(name);
    }

    @Override
    public @Nullable String pathParam(String name) {
        return ctx.pathParamMap().get(name);
    }

    @Override
    public void header(String name, String value) {
        ctx.header(name, value);
    }

    @Override
    public int status() {
        return ctx.statusCode();
    }

    @Override
    public void fail(ApiError error) {
        if (ctx.res().isCommitted()) {
            LOG.debug("response already committed; dropping error {}", error);
            return;
        }
        ctx.status(error.status()).contentType("application/json").result(error.toJson());
    }

    @Override
    public void token(ApiToken token) {
        ctx.attribute(Access.TOKEN, token);
    }

    @Override
    public @Nullable ApiToken token() {
        return ctx.attribute(Access.TOKEN);
    }
}
