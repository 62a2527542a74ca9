package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.Position;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints in files: stored durably under any name, overwritten in place, listed, and reopened. */
class FileCheckpointStoreTest {
    @TempDir
    Path dir;

    @Test
    void save_thenReopen_loadsTheLastPositionOfEachName() {
        try (FileCheckpointStore store = FileCheckpointStore.open(dir.resolve("checkpoints"))) {
            assertThat(store.load("kafka-relay:orders")).isEmpty();
            store.save("kafka-relay:orders", Position.of(5));
            store.save("kafka-relay:orders", Position.of(42));
            store.save("a/b c", Position.parse("0:3,1:4"));
        }

        try (FileCheckpointStore reopened = FileCheckpointStore.open(dir.resolve("checkpoints"))) {
            assertThat(reopened.load("kafka-relay:orders")).contains(Position.of(42));
            assertThat(reopened.load("a/b c")).contains(Position.parse("0:3,1:4"));
            assertThat(reopened.all())
                    .isEqualTo(Map.of("kafka-relay:orders", Position.of(42), "a/b c", Position.parse("0:3,1:4")));
        }
    }

    @Test
    void save_leavesNoTemporaryFileBehind() throws Exception {
        try (FileCheckpointStore store = FileCheckpointStore.open(dir)) {
            store.save("x", Position.of(1));
        }

        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("x.checkpoint");
        }
    }
}
