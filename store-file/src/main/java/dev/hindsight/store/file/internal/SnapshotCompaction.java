package dev.hindsight.store.file.internal;

import dev.hindsight.core.spi.SnapshotRetention;
import dev.hindsight.store.file.FileSnapshotOptions;
import dev.hindsight.store.file.internal.SnapshotRecords.Rec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One compaction of a snapshot generation: copies the records that retention still keeps, in file order, into a
 * temporary next generation (records compressed with the old generation's current dictionary are copied as they are,
 * the others are recompressed with it), then {@link #install}s it. A record is live if it is among the kept records of
 * its aggregate as the old generation answers at the time it is copied; one superseded after that is copied anyway and
 * is simply dead in the next generation. The caller copies the bulk without the store lock and the rest under it.
 *
 * <p>Not thread-safe: one thread drives it; the old generation may keep receiving saves meanwhile.
 */
public final class SnapshotCompaction {
    private final SnapshotGeneration old;
    private final SnapshotGeneration next;
    private final SnapshotRetention retention;
    private final BooleanSupplier closing;
    private final long oldDictionary;

    /**
     * Creates the temporary next generation.
     *
     * @param oldDictionary offset of the old generation's current dictionary (0: none), read under the store lock
     * @param dictionary its bytes, which the next generation starts with
     * @param closing whether the store is closing (the copy then stops with an exception)
     */
    public SnapshotCompaction(
            SnapshotGeneration old,
            SnapshotRetention retention,
            FileSnapshotOptions options,
            BooleanSupplier closing,
            long oldDictionary,
            byte @org.jspecify.annotations.Nullable [] dictionary)
            throws IOException {
        this.old = old;
        this.retention = retention;
        this.closing = closing;
        this.oldDictionary = dictionary == null ? 0 : oldDictionary;
        this.next = SnapshotGeneration.create(old.file().getParent(), old.generation() + 1, options, true);
        if (dictionary != null) {
            next.useDictionary(dictionary);
        }
    }

    /** Copies the live records of {@code [from, to)} of the old generation. */
    public void copy(long from, long to) throws IOException {
        try (FileChannel ch = FileChannel.open(old.file(), StandardOpenOption.READ)) {
            FrameScanner.scan(ch, from, to, (off, buf, at, len) -> {
                if (closing.getAsBoolean()) {
                    throw new IOException("the snapshot store is closing");
                }
                if (SnapshotRecords.isDictionary(buf, at)) {
                    return;
                }
                Rec r = SnapshotRecords.decode(buf, at, len, off);
                if (r != null && live(r)) {
                    copy(r);
                }
            });
        }
    }

    private boolean live(Rec r) throws IOException {
        List<Rec> kept = retention.retain(old.records(r.aggregateId()), Rec::version);
        for (Rec k : kept) {
            if (k.offset() == r.offset()) {
                return true;
            }
        }
        return false;
    }

    private void copy(Rec r) throws IOException {
        long dictionary;
        byte[] body;
        if (r.dictionary() == oldDictionary) {
            dictionary = next.dictionary();
            body = java.util.Objects.requireNonNull(r.body(), "scanned records have bodies");
        } else {
            byte[] raw = old.decompress(r);
            if (raw == null) {
                return; // damaged: dropped (logged)
            }
            SnapshotGeneration.Compressed c = next.compress(raw);
            dictionary = c.dictionary();
            body = c.body();
        }
        byte[] frame = SnapshotRecords.snapshotRecord(
                r.aggregateId(), r.version(), r.timestamp(), dictionary, r.rawLength(), body);
        long at = next.append(frame);
        next.index(new Rec(
                r.aggregateId(), r.version(), r.timestamp(), at, frame.length, dictionary, r.rawLength(), null));
        next.addLive(frame.length);
    }

    /** Makes the next generation durable under its final name and returns it. Caller holds the store lock. */
    public SnapshotGeneration install() throws IOException {
        next.install();
        return next;
    }

    /** Deletes the unfinished next generation. */
    public void abandon() {
        try {
            next.retire();
        } catch (IOException e) {
            // its files are deleted on the next open
        }
    }
}
