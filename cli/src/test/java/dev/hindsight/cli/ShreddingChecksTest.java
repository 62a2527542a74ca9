package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte grep the shredding tests' "no value left on disk" checks rely on, which reads files in chunks. */
class ShreddingChecksTest {
    @TempDir
    Path dir;

    @Test
    void grep_findsValuesAtTheStartAcrossChunkBoundariesAndAtTheEnd() throws Exception {
        byte[] needle = "alice@example.com".getBytes(StandardCharsets.UTF_8);
        int n = needle.length;
        int c = ShreddingChecks.CHUNK;
        byte[] file = new byte[3 * c + 5];
        put(file, 0, needle);
        put(file, c - 3, needle); // spans the first chunk's end
        // spans the second chunk's end: the second read fills the chunk after the first one's last n - 1 bytes
        put(file, 2 * c - (n - 1) - 5, needle);
        put(file, file.length - n, needle);
        Files.write(dir.resolve("segment.log"), file);
        Files.writeString(dir.resolve("empty"), "");

        assertThat(ShreddingChecks.grep(dir, "alice@example.com")).containsExactly("segment.log: 4");
        assertThat(ShreddingChecks.grep(dir, "bob@example.com")).isEmpty();
    }

    private static void put(byte[] file, int at, byte[] needle) {
        System.arraycopy(needle, 0, file, at, needle.length);
    }
}
