package dev.hindsight.store.file;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole conformance suite again with the smallest segments, so that sealed segments are compressed (and swapped
 * in under the readers) while the suite appends and reads. The smallest segments also make the writer roll in the
 * middle of group-commit batches; that is how this suite found a writer bug (an aggregate staged before a mid-batch
 * flush was then staged into a cleared map, so a later append in the same batch reused its versions).
 */
class CompressedFileEventLogTckTest extends EventLogTck {
    @TempDir
    static Path dir;

    @Override
    protected EventLog openEmptyLog() {
        return FileEventLog.open(
                FileLogOptions.defaults(dir.resolve(UUID.randomUUID().toString()))
                        .withFsync(FsyncPolicy.NEVER)
                        .withSegmentBytes(64 * 1024)
                        .withBlockCacheBytes(128 * 1024));
    }

    /** An append must fit in a 64 KiB segment: the byte-budget tests append more, smaller events here. */
    @Override
    protected int largestEventChars() {
        return 60 * 1024;
    }
}
