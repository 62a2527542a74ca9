package example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it as a library" program is {@link LibraryQuickstart}, verbatim: this test fails when the two drift
 * apart, and runs the program.
 */
class LibraryQuickstartTest {
    private static final String MARKER = "<!-- snippet: projection/src/test/java/example/LibraryQuickstart.java -->";

    @Test
    void readme_snippet_isTheQuickstartSource() throws IOException {
        String source = Files.readString(Path.of("src/test/java/example/LibraryQuickstart.java"));
        String withoutPackage = source.substring(source.indexOf('\n') + 1).strip();

        assertThat(readmeSnippet()).isEqualTo(withoutPackage);
    }

    @Test
    void quickstart_appendsLoadsFromSnapshotAndProjects(@TempDir Path dir) throws Exception {
        String out = LibraryQuickstart.run(dir);

        assertThat(out)
                .isEqualTo("Balance[cents=2500] at version 25 (from snapshot 20 + 5 events); read model: 25 deposits");
    }

    private static String readmeSnippet() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int marker = readme.indexOf(MARKER);
        assertThat(marker).as("README marker %s", MARKER).isNotNegative();
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        int end = readme.indexOf("\n```", start);
        return readme.substring(start, end).strip();
    }
}
