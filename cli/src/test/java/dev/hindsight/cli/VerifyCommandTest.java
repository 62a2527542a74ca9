package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.EventData;
import dev.hindsight.core.EventStore;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Hindsight.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void verify_soundStore_exitsZero_damagedStore_exitsOneNamingTheProblem() throws Exception {
        try (EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir)))) {
            for (int i = 0; i < 20; i++) {
                store.append("order-" + (i % 3), ExpectedVersion.ANY, EventData.of("Placed", "{\"i\":" + i + "}"));
            }
        }
        StringWriter out = new StringWriter();
        assertThat(run(out, new StringWriter(), "verify", "--data-dir", dir.toString()))
                .isZero();
        assertThat(out.toString()).contains("20 events in 3 aggregates", "OK");

        Path segment;
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            segment = s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(64 + 12);
            f.write(0x7F);
        }
        // the damaged record is the first one, so open treats it as mid-log corruption or serves nothing broken
        StringWriter out2 = new StringWriter();
        StringWriter err2 = new StringWriter();
        int code = run(out2, err2, "verify", "--data-dir", dir.toString());
        assertThat(code).isEqualTo(1);
        assertThat(out2 + err2.toString()).contains(segment.getFileName().toString());
    }

    @Test
    void verify_noStore_failsWithAClearMessage() {
        StringWriter err = new StringWriter();
        assertThat(run(
                        new StringWriter(),
                        err,
                        "verify",
                        "--data-dir",
                        dir.resolve("nothing").toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("no Hindsight store");
    }
}
