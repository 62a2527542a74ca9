package dev.hindsight.store.file;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** The file engine passes the whole conformance suite, with durable (fsync=always) appends and small segments. */
class FileEventLogTckTest extends EventLogTck {
    @TempDir
    static Path dir;

    @Override
    protected EventLog openEmptyLog() {
        return FileEventLog.open(
                FileLogOptions.defaults(dir.resolve(UUID.randomUUID().toString()))
                        .withSegmentBytes(1 << 20));
    }
}
