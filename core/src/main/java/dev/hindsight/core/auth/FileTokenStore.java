package dev.hindsight.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Tokens in {@code tokens.json} of a data directory (format: this package's {@code package-info}). Changes take an
 * exclusive lock on {@code tokens.json.lock}, so that concurrent CLI runs do not lose each other's tokens, and replace
 * the file atomically, so that a reader (a running server) sees the old or the new list, never a torn one. Thread-safe.
 */
public final class FileTokenStore implements TokenStore {
    /** The file's name in the data directory. */
    public static final String FILE_NAME = "tokens.json";

    private final Path file;
    private final Path lockFile;
    private final Clock clock;

    public FileTokenStore(Path dataDir) {
        this(dataDir, Clock.systemUTC());
    }

    public FileTokenStore(Path dataDir, Clock clock) {
        this.file = dataDir.resolve(FILE_NAME);
        this.lockFile = dataDir.resolve(FILE_NAME + ".lock");
        this.clock = clock;
    }

    /** The tokens file. */
    public Path file() {
        return file;
    }

    @Override
    public List<ApiToken> list() {
        try {
            return read();
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Created create(@Nullable String name, Role role, @Nullable String prefix) {
        String secret = TokenSecrets.generate();
        String hash = TokenSecrets.hash(secret);
        String n = name != null ? name : "token-" + hash.substring(0, 8);
        ApiToken token = new ApiToken(n, role, prefix, hash, clock.instant());
        change(tokens -> {
            if (tokens.stream().anyMatch(t -> t.name().equals(n))) {
                throw new IllegalArgumentException("a token named '" + n + "' exists already");
            }
            List<ApiToken> out = new ArrayList<>(tokens);
            out.add(token);
            return out;
        });
        return new Created(secret, token);
    }

    @Override
    public boolean revoke(String name) {
        boolean[] found = {false};
        change(tokens -> {
            List<ApiToken> out = new ArrayList<>(tokens);
            found[0] = out.removeIf(t -> t.name().equals(name));
            return out;
        });
        return found[0];
    }

    private void change(UnaryOperator<List<ApiToken>> edit) {
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel =
                    FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock(); // released when the channel closes
                write(edit.apply(read()));
                lock.release();
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot update " + file + ": " + e.getMessage(), e);
        }
    }

    private List<ApiToken> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        JsonNode root = Json.mapper().readTree(bytes);
        JsonNode tokens = root == null ? null : root.get("tokens");
        if (tokens == null || !tokens.isArray()) {
            throw new IOException("not a tokens file: no \"tokens\" array");
        }
        List<ApiToken> out = new ArrayList<>();
        for (JsonNode t : tokens) {
            JsonNode prefix = t.get("prefix");
            out.add(new ApiToken(
                    t.path("name").asText(),
                    Role.parse(t.path("role").asText()),
                    prefix == null || prefix.isNull() ? null : prefix.asText(),
                    t.path("sha256").asText(),
                    Instant.parse(t.path("created_at").asText())));
        }
        out.sort(Comparator.comparing(ApiToken::name));
        return List.copyOf(out);
    }

    private void write(List<ApiToken> tokens) throws IOException {
        ObjectNode root = Json.mapper().createObjectNode();
        ArrayNode array = root.putArray("tokens");
        for (ApiToken t : tokens) {
            ObjectNode o = array.addObject();
            o.put("name", t.name());
            o.put("role", t.role().name());
            if (t.prefix() != null) {
                o.put("prefix", t.prefix());
            }
            o.put("sha256", t.sha256());
            o.put("created_at", t.createdAt().toString());
        }
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(
                    Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the rename itself is atomic.
        }
    }
}
