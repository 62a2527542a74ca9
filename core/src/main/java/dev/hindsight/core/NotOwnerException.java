package dev.hindsight.core;

import org.jspecify.annotations.Nullable;

/**
 * The write belongs to data another node owns (a partitioned engine: the aggregate's partition is written by one node
 * at a time). Nothing was written. When the owner is known, {@link #owner()} is the base URL of its HTTP API, and the
 * server answers {@code 307 Temporary Redirect} there; while ownership moves it is null and the answer is 503.
 */
public class NotOwnerException extends StoreUnavailableException {
    private final @Nullable String owner;

    public NotOwnerException(String message, @Nullable String owner) {
        super(withOwner(message, owner));
        this.owner = owner;
    }

    public NotOwnerException(String message, @Nullable String owner, Throwable cause) {
        super(withOwner(message, owner), cause);
        this.owner = owner;
    }

    private static String withOwner(String message, @Nullable String owner) {
        return owner == null ? message : message + "; it is owned by " + owner;
    }

    /** Base URL of the owning node's HTTP API ({@code http://host:port}), or null if not known now. */
    public @Nullable String owner() {
        return owner;
    }

    @Override
    public String code() {
        return "not_owner";
    }
}
