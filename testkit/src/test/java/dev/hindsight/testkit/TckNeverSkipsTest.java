package dev.hindsight.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The TCK never skips silently: its sources use no assumptions and disable nothing, so a test either passes or fails
 * against every engine.
 */
class TckNeverSkipsTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final List<String> FORBIDDEN = List.of(
            "Assumptions", "assumeTrue", "assumeFalse", "assumingThat", "@Disabled", "@EnabledIf", "@EnabledOn");

    @Test
    void tckSources_containNoSkippingConstructs() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }

        assertThat(files)
                .as("TCK sources under %s", SOURCES.toAbsolutePath())
                .anyMatch(p -> p.endsWith("EventLogTck.java"));
        for (Path file : files) {
            String text = Files.readString(file);
            assertThat(FORBIDDEN).as("skipping constructs in %s", file).noneMatch(text::contains);
        }
    }
}
