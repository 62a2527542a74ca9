package dev.hindsight.store.file;

/** Told about each group-commit batch, on the writer thread: keep it fast and non-blocking. */
@FunctionalInterface
public interface CommitObserver {
    /**
     * One batch was written and (per policy) forced.
     *
     * @param appends appends acknowledged in the batch
     * @param events events written
     * @param bytes bytes written
     * @param fsyncNanos time spent in fsync, 0 if none
     */
    void committed(int appends, int events, long bytes, long fsyncNanos);
}
