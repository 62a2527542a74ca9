package dev.hindsight.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.spi.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both object stores behave the same: put, ranged get, head with MD5, list, delete; S3 against a real s3proxy. */
class ObjectStoreTest {
    @TempDir
    static Path tmp;

    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension("bucket");

    private static ObjectStore open(String kind, String prefix) throws Exception {
        return kind.equals("s3")
                ? S3.store(prefix)
                : ObjectStores.open(tmp.resolve("local-" + prefix).toUri().toString(), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "file"})
    void putGetHeadListDelete_roundTrip(String kind) throws Exception {
        try (ObjectStore store = open(kind, "p1")) {
            byte[] data = "0123456789abcdef".repeat(1000).getBytes(StandardCharsets.US_ASCII);
            Path f = Files.write(tmp.resolve(kind + ".bin"), data);
            store.put("segments/a.zlog", f);
            store.put("manifest.json", "{}".getBytes(StandardCharsets.UTF_8));

            assertThat(store.get("segments/a.zlog", 10, 6)).isEqualTo("abcdef".getBytes(StandardCharsets.US_ASCII));
            assertThat(store.get("segments/a.zlog")).isEqualTo(data);
            assertThat(store.get("missing")).isNull();
            var info = store.head("segments/a.zlog");
            assertThat(info.size()).isEqualTo(data.length);
            assertThat(info.md5())
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("MD5").digest(data)));
            assertThat(store.head("missing")).isNull();
            assertThat(store.list("segments/")).containsExactly("segments/a.zlog");
            store.delete("segments/a.zlog");
            assertThat(store.list("")).containsExactly("manifest.json");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "file"})
    void rangedGetIntoABuffer_fillsExactlyItsRemainingBytes_andARangePastTheEndFails(String kind) throws Exception {
        try (ObjectStore store = open(kind, "p3")) {
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(6).nextBytes(data);
            store.put("segments/c.zlog", Files.write(tmp.resolve(kind + "-c.bin"), data));
            int from = 1000;
            int length = data.length - 2000; // many times the store's own transfer buffer
            java.nio.ByteBuffer into = java.nio.ByteBuffer.allocateDirect(length + 10);
            into.position(5).limit(5 + length);
            store.get("segments/c.zlog", from, into);
            assertThat(into.position()).isEqualTo(5 + length);
            byte[] got = new byte[length];
            into.get(5, got);
            assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(data, from, from + length));

            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            store.get("segments/c.zlog", data.length - 1, last);
            assertThat(last.get(0)).isEqualTo(data[data.length - 1]);
            assertThatThrownBy(() -> store.get("segments/c.zlog", data.length - 10, java.nio.ByteBuffer.allocate(20)))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3", "file"})
    void rangedGet_returnsExactlyTheRange_andARangePastTheEndFails(String kind) throws Exception {
        try (ObjectStore store = open(kind, "p2")) {
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(5).nextBytes(data);
            store.put("segments/b.zlog", Files.write(tmp.resolve(kind + "-b.bin"), data));
            int from = 1000;
            int length = data.length - 2000; // larger than any buffer a client would grow by default
            assertThat(store.get("segments/b.zlog", from, length))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, from, from + length));
            assertThat(store.get("segments/b.zlog", data.length - 1, 1)).containsExactly(data[data.length - 1]);
            assertThatThrownBy(() -> store.get("segments/b.zlog", data.length - 10, 20))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://", "s3:///x", "ftp://host/x", "relative/path"})
    void open_unsupportedUrl_saysWhatIsSupported(String url) {
        assertThatThrownBy(() -> ObjectStores.open(url, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3://BUCKET/PREFIX");
    }
}
