package dev.hindsight.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder and the withers give the same checked options; nothing is opened. */
class FileLogOptionsTest {
    private static final Path DIR = Path.of("data");

    @Test
    void builderSetsEveryComponentAndKeepsTheRestAtTheirDefaults() {
        FileLogOptions built = FileLogOptions.builder(DIR)
                .fsync(FsyncPolicy.INTERVAL)
                .fsyncInterval(Duration.ofMillis(7))
                .segmentBytes(1 << 20)
                .maxBatchBytes(1 << 17)
                .indexCacheEntries(10)
                .compressionLevel(3)
                .blockCacheBytes(1 << 21)
                .archive(null)
                .memtableEvents(4096)
                .build();

        assertThat(built)
                .isEqualTo(new FileLogOptions(
                        DIR, FsyncPolicy.INTERVAL, Duration.ofMillis(7), 1 << 20, 1 << 17, 10, 3, 1 << 21, null, 4096));
        assertThat(FileLogOptions.builder(DIR).build()).isEqualTo(FileLogOptions.defaults(DIR));
        assertThat(built.toBuilder().build()).isEqualTo(built);
    }

    @Test
    void withersChangeOnlyTheirComponent() {
        FileLogOptions base = FileLogOptions.defaults(DIR);
        assertThat(base.withSegmentBytes(1 << 20))
                .isEqualTo(base.toBuilder().segmentBytes(1 << 20).build())
                .extracting(FileLogOptions::fsync, FileLogOptions::compressionLevel, FileLogOptions::memtableEvents)
                .containsExactly(
                        FsyncPolicy.ALWAYS,
                        FileLogOptions.DEFAULT_COMPRESSION_LEVEL,
                        FileLogOptions.DEFAULT_MEMTABLE_EVENTS);
        assertThat(base.withFsync(FsyncPolicy.NEVER).withCompressionLevel(0))
                .extracting(FileLogOptions::fsync, FileLogOptions::compressionLevel, FileLogOptions::segmentBytes)
                .containsExactly(FsyncPolicy.NEVER, 0, 256L << 20);
        assertThat(base.withMemtableEvents(2048).memtableEvents()).isEqualTo(2048);
        assertThat(base.withBlockCacheBytes(0).blockCacheBytes()).isZero();
        assertThat(base.withIndexCacheEntries(5).indexCacheEntries()).isEqualTo(5);
        assertThat(base.withFsyncInterval(Duration.ofSeconds(1)).fsyncInterval())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void buildChecksTheValuesAndTheBuilderStaysUsable() {
        FileLogOptions.Builder builder = FileLogOptions.builder(DIR).segmentBytes(1024);
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segmentBytes");
        assertThat(builder.segmentBytes(1 << 20).build().segmentBytes()).isEqualTo(1 << 20);
        assertThatThrownBy(
                        () -> FileLogOptions.builder(DIR).compressionLevel(20).build())
                .hasMessageContaining("compressionLevel");
        assertThatThrownBy(() -> FileLogOptions.builder(DIR).memtableEvents(10).build())
                .hasMessageContaining("memtableEvents");
    }
}
