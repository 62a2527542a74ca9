package dev.hindsight.cli;

import static dev.hindsight.cli.ShreddingChecks.createOrder;
import static dev.hindsight.cli.ShreddingChecks.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.privacy.Shredder;
import dev.hindsight.server.HindsightServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hindsight keys rotate} on a stopped file store and a PostgreSQL store: the server then starts with the new
 * master key and reads every personal field, refuses the old key naming the rotation, and forget still erases; a key
 * the old master key does not open stops the rotation with nothing changed.
 */
class KeysRotateCliTest {
    private static final String ALICE = "alice-rot-4k8p2d";

    private final String schema = "t_rotate_" + UUID.randomUUID().toString().substring(0, 8);
    private HindsightServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws SQLException {
        if (server != null) {
            server.stop();
        }
        PgTestDb.dropStoreSchemas(schema);
    }

    private Path keyFile(String name) throws Exception {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return Files.writeString(dir.resolve(name), Base64.getEncoder().encodeToString(k) + "\n");
    }

    private HindsightServer serve(Path key, List<String> store) {
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--master-key-file", key.toString()));
        args.addAll(store);
        return ServeRun.start(args.toArray(String[]::new));
    }

    private void rotateThenServe(List<String> store, List<String> rotateWhere) throws Exception {
        Path oldKey = keyFile("old.key");
        Path newKey = keyFile("new.key");
        server = serve(oldKey, store);
        String order = createOrder("http://127.0.0.1:" + server.port(), ALICE);
        server.stop();
        server = null;

        List<String> rotate = new ArrayList<>(
                List.of("keys", "rotate", "--old-key-file", oldKey.toString(), "--new-key-file", newKey.toString()));
        rotate.addAll(rotateWhere);
        CliRun rotated = CliRun.of(rotate.toArray(String[]::new));
        assertThat(rotated.exitCode()).as(rotated.err()).isZero();
        assertThat(rotated.out()).contains("\"rewrapped\":1");

        assertThatThrownBy(() -> serve(oldKey, store))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("rotated to another master key");
        server = serve(newKey, store);
        String base = "http://127.0.0.1:" + server.port();
        assertThat(ok("GET", base + "/api/orders/" + order, null).get("user_id").asText())
                .isEqualTo(ALICE);
        String second = createOrder(base, ALICE);
        CliRun forgot = CliRun.of("forget", ALICE, "--url", base);
        assertThat(forgot.out()).as(forgot.err()).contains("\"key_destroyed\":true");
        for (String o : List.of(order, second)) {
            assertThat(ok("GET", base + "/api/orders/" + o, null).get("user_id").asText())
                    .isEqualTo(Shredder.ERASED);
        }
    }

    @Test
    void rotate_fileStore_newKeyServesOldKeyRefused() throws Exception {
        Path data = dir.resolve("data");
        rotateThenServe(List.of("--data-dir", data.toString()), List.of("--data-dir", data.toString()));
    }

    @Test
    void rotate_postgresStore_newKeyServesOldKeyRefused() throws Exception {
        rotateThenServe(pgStore(), pgWhere());
    }

    @Test
    void rotate_postgresKeyNotOpeningWithOldKey_nothingChanged() throws Exception {
        Path oldKey = keyFile("old.key");
        server = serve(oldKey, pgStore());
        createOrder("http://127.0.0.1:" + server.port(), ALICE);
        server.stop();
        server = null;
        try (Connection c = PgTestDb.connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
                        + ".subject_keys (subject_ref, key_id, wrapped_key) VALUES (?, ?, ?)")) {
            ps.setString(1, "ff");
            ps.setString(2, "foreign");
            ps.setBytes(3, new byte[60]);
            ps.executeUpdate();
        }
        List<String> before = rows();

        List<String> rotate = new ArrayList<>(List.of(
                "keys",
                "rotate",
                "--old-key-file",
                oldKey.toString(),
                "--new-key-file",
                keyFile("new.key").toString()));
        rotate.addAll(pgWhere());
        CliRun r = CliRun.of(rotate.toArray(String[]::new));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("opens with neither the old nor the new master key");
        assertThat(rows()).isEqualTo(before).hasSize(2);
    }

    private List<String> pgStore() {
        List<String> args = new ArrayList<>(List.of("--store", "postgres"));
        args.addAll(pgWhere());
        return args;
    }

    private List<String> pgWhere() {
        return PgTestDb.storeArgs(schema);
    }

    private List<String> rows() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = PgTestDb.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT subject_ref, key_id, wrapped_key FROM " + schema
                        + ".subject_keys ORDER BY subject_ref")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " "
                        + HexFormat.of().formatHex(rs.getBytes(3)));
            }
        }
        return out;
    }
}
