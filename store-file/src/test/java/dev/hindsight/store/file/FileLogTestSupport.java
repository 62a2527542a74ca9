package dev.hindsight.store.file;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Helpers shared by the file-engine tests. */
final class FileLogTestSupport {
    private FileLogTestSupport() {}

    /**
     * Small plain segments: the tests that damage segment files byte by byte need them to stay in the plain format
     * (compression would replace them in the background); {@code CompressedSegmentTest} covers the compressed tier.
     */
    static FileLogOptions small(Path dir) {
        return FileLogOptions.defaults(dir).withSegmentBytes(256 * 1024).withCompressionLevel(0);
    }

    static void appendN(EventStore store, String aggregate, int n) {
        for (int i = 0; i < n; i++) {
            store.append(
                    aggregate,
                    ExpectedVersion.ANY,
                    EventData.of("Thing" + (i % 3), "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(i % 50) + "\"}"));
        }
    }

    /** Every event of the log, in position order, read page by page. */
    static List<dev.hindsight.core.RecordedEvent> readWholeLog(FileEventLog log) {
        List<dev.hindsight.core.RecordedEvent> out = new java.util.ArrayList<>();
        dev.hindsight.core.Position p = dev.hindsight.core.Position.START;
        while (true) {
            var slice = log.readAll(p, 500, dev.hindsight.core.EventFilter.ALL);
            if (slice.events().isEmpty()) {
                return out;
            }
            out.addAll(slice.events());
            p = slice.next();
        }
    }

    static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .toList();
        }
    }
}
