package dev.hindsight.client;

import dev.hindsight.core.spi.EventLog;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.testkit.EventLogTck;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** The remote client passes the whole conformance suite against a real server on the file engine. */
class RemoteFileEventLogTckTest extends EventLogTck {
    @TempDir
    static Path dir;

    @Override
    protected EventLog openEmptyLog() {
        return new ServedLog(FileEventLog.open(
                FileLogOptions.defaults(dir.resolve(UUID.randomUUID().toString()))
                        .withSegmentBytes(1 << 20)));
    }
}
