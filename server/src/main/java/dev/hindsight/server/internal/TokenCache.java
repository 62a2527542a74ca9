package dev.hindsight.server.internal;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.auth.TokenSecrets;
import dev.hindsight.core.auth.TokenStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens of a {@link TokenStore} by hash, reloaded in the background every refresh interval, so that a token
 * created or revoked by another process (the CLI) takes effect within that interval without a store round trip per
 * request. A reload that fails keeps the previous tokens (and logs the failure, never a token). Thread-safe.
 */
public final class TokenCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenCache.class);

    private final TokenStore store;
    private final Consumer<Map<String, ApiToken>> onChange;
    private final ScheduledExecutorService timer;
    private volatile Map<String, ApiToken> byHash;
    /**
     * Valid secrets already hashed, so a request with a known token costs a map lookup instead of a SHA-256; only
     * secrets of existing tokens enter it (at most one entry per token), and it is emptied whenever the tokens change,
     * so a revoked token stops working at the same reload as before.
     */
    private volatile Map<String, ApiToken> bySecret = new ConcurrentHashMap<>();

    /**
     * Loads the tokens once (so that a store that cannot be read fails the start) and starts reloading them.
     *
     * @throws RuntimeException the store's error if the first load fails
     */
    public TokenCache(TokenStore store, Duration refresh) {
        this(store, refresh, tokens -> {});
    }

    /**
     * As {@link #TokenCache(TokenStore, Duration)}, telling {@code onChange} the tokens by name after the first load
     * and after every reload that changed them (e.g. to audit the change).
     */
    public TokenCache(TokenStore store, Duration refresh, Consumer<Map<String, ApiToken>> onChange) {
        this.store = store;
        this.onChange = onChange;
        this.byHash = load();
        onChange.accept(byName(byHash));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hindsight-token-refresh");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, refresh.toMillis());
        timer.scheduleWithFixedDelay(this::reload, ms, ms, TimeUnit.MILLISECONDS);
    }

    private Map<String, ApiToken> load() {
        Map<String, ApiToken> m = new HashMap<>();
        for (ApiToken t : store.list()) {
            m.put(t.sha256(), t);
        }
        return Map.copyOf(m);
    }

    private static Map<String, ApiToken> byName(Map<String, ApiToken> byHash) {
        Map<String, ApiToken> m = new HashMap<>();
        byHash.values().forEach(t -> m.put(t.name(), t));
        return m;
    }

    private void reload() {
        try {
            Map<String, ApiToken> next = load();
            if (!next.equals(byHash)) {
                byHash = next;
                bySecret = new ConcurrentHashMap<>();
                onChange.accept(byName(next));
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot reload API tokens (keeping the previous ones): {}", e.toString());
        }
    }

    /** The token whose secret is {@code secret}, or null. */
    public @Nullable ApiToken find(String secret) {
        Map<String, ApiToken> memo = bySecret;
        ApiToken known = memo.get(secret);
        if (known != null) {
            return known;
        }
        Map<String, ApiToken> tokens = byHash;
        ApiToken t = tokens.get(TokenSecrets.hash(secret));
        if (t != null && memo.size() < tokens.size() && byHash == tokens) {
            memo.put(secret, t);
        }
        return t;
    }

    /** Whether {@code token} is still defined as it was (not revoked), as of the last reload. */
    public boolean isCurrent(ApiToken token) {
        return token.equals(byHash.get(token.sha256()));
    }

    /** How many tokens are defined now. */
    public int size() {
        return byHash.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
