package dev.hindsight.store.postgres.internal;

/**
 * Who sends the commit notification ({@link Notifications}): an appending transaction asks {@link #claim()} whether it
 * should notify and, if told so, says {@link #finished()} once its transaction has ended (committed or not).
 * Implementations are thread-safe.
 */
public interface NotifyClaims {
    /** Claims that never notify (a store without listeners). */
    NotifyClaims NEVER = new NotifyClaims() {
        @Override
        public boolean claim() {
            return false;
        }

        @Override
        public void finished() {}
    };

    /** Whether the caller's transaction should send the notification. */
    boolean claim();

    /** The transaction of a successful {@link #claim()} has ended. */
    void finished();
}
