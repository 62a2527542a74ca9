package dev.hindsight.core.privacy;

import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.StoreUnavailableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Subject keys in {@code subject-keys} of a data directory (format: this package's {@code package-info}), all held in
 * memory too. One process owns the file (the one owning the data directory). A new key is appended and fsynced before
 * it is used; a deleted key is replaced by its subject's tombstone by rewriting the file and zero-filling the old one
 * before the rename, so its bytes are not left in the directory's files; a rewrite interrupted by a crash is completed
 * or undone on open. Thread-safe: every method synchronizes on this store.
 */
public final class FileSubjectKeyStore implements SubjectKeyStore {
    /** The file's name in the data directory. */
    public static final String FILE_NAME = "subject-keys";

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    /** A tombstone's wrapped key in the file: no key (not base64 of anything, which is never one character long). */
    private static final String NO_KEY = "-";

    private final Path file;
    private final Map<String, SubjectKey> bySubject = new LinkedHashMap<>(); // guarded by this
    private final Map<String, SubjectKey> byKeyId = new LinkedHashMap<>(); // guarded by this

    private FileSubjectKeyStore(Path file) {
        this.file = file;
    }

    /**
     * Opens (or starts) the key file of {@code dataDir}.
     *
     * @throws StoreUnavailableException if it cannot be read
     * @throws CorruptionException if a line is malformed
     */
    public static FileSubjectKeyStore open(Path dataDir) {
        FileSubjectKeyStore s = new FileSubjectKeyStore(dataDir.resolve(FILE_NAME));
        try {
            Files.createDirectories(dataDir);
            s.recover();
            if (Files.exists(s.file)) {
                for (String line : Files.readAllLines(s.file, StandardCharsets.US_ASCII)) {
                    if (!line.isBlank()) {
                        s.put(parse(line));
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read " + s.file + ": " + e.getMessage(), e);
        }
        return s;
    }

    /** The key file. */
    public Path file() {
        return file;
    }

    /**
     * Finishes or undoes a rewrite a crash interrupted ({@link #rewrite}): the new content is complete (fsynced) before
     * any byte of the old file is zeroed, and the file's text never holds a zero byte, so an old file holding one means
     * the temporary file has the new content, which then takes its place; otherwise the old file was not touched and
     * stands.
     */
    private void recover() throws IOException {
        Path tmp = tmpFile();
        if (!Files.exists(tmp)) {
            return;
        }
        boolean zeroed = false;
        if (Files.exists(file)) {
            for (byte b : Files.readAllBytes(file)) {
                zeroed |= b == 0;
            }
        }
        if (zeroed) {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(file.toAbsolutePath().getParent());
        } else {
            Files.delete(tmp);
        }
    }

    private Path tmpFile() {
        return file.resolveSibling(FILE_NAME + ".tmp");
    }

    @Override
    public synchronized SubjectKey getOrCreate(String subjectRef, Supplier<SubjectKey> create) {
        SubjectKey k = bySubject.get(subjectRef);
        if (k != null) {
            return k;
        }
        k = create.get();
        append(k);
        return k;
    }

    /** Appends {@code k}'s line, fsynced, then holds it. */
    private void append(SubjectKey k) {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            write(ch, line(k));
            ch.force(true);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write " + file + ": " + e.getMessage(), e);
        }
        put(k);
    }

    @Override
    public synchronized Optional<SubjectKey> bySubject(String subjectRef) {
        return Optional.ofNullable(bySubject.get(subjectRef));
    }

    @Override
    public synchronized Optional<SubjectKey> anyKey() {
        return bySubject.values().stream().filter(k -> !k.isForgotten()).findFirst();
    }

    @Override
    public synchronized Optional<SubjectKey> byKeyId(String keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    @Override
    public synchronized Optional<String> delete(String subjectRef) {
        SubjectKey k = bySubject.get(subjectRef);
        SubjectKey tombstone = SubjectKey.forgotten(subjectRef);
        if (k == null) {
            append(tombstone); // no key bytes to remove
            return Optional.empty();
        }
        if (k.isForgotten()) {
            return Optional.empty();
        }
        StringBuilder rest = new StringBuilder();
        for (SubjectKey other : bySubject.values()) {
            rest.append(line(other.subjectRef().equals(subjectRef) ? tombstone : other));
        }
        rewrite(rest.toString());
        byKeyId.remove(k.keyId());
        put(tombstone);
        return Optional.of(k.keyId());
    }

    @Override
    public synchronized void replaceAll(UnaryOperator<List<SubjectKey>> replace) {
        List<SubjectKey> next = replace.apply(List.copyOf(bySubject.values()));
        StringBuilder content = new StringBuilder();
        for (SubjectKey k : next) {
            content.append(line(k));
        }
        rewrite(content.toString());
        bySubject.clear();
        byKeyId.clear();
        next.forEach(this::put);
    }

    /**
     * Writes the new content beside the file (fsynced), zero-fills the old one in place, then renames the new one over
     * it; {@link #recover} completes or undoes this after a crash.
     */
    private void rewrite(String content) {
        Path tmp = tmpFile();
        try {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                write(ch, content);
                ch.force(true);
            }
            fsyncDirectory(tmp.toAbsolutePath().getParent());
            if (!Files.exists(file)) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(file.toAbsolutePath().getParent());
                return;
            }
            try (FileChannel old = FileChannel.open(file, StandardOpenOption.WRITE)) {
                long size = old.size();
                ByteBuffer zeros = ByteBuffer.allocate(8192);
                for (long at = 0; at < size; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                    at += old.write(zeros, at);
                }
                old.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory; the rename is still atomic
        }
    }

    private static void write(FileChannel ch, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void put(SubjectKey k) {
        bySubject.put(k.subjectRef(), k);
        if (!k.isForgotten()) {
            byKeyId.put(k.keyId(), k);
        }
    }

    /** A key's line; a tombstone's has {@value #NO_KEY} for its (empty) wrapped key. */
    private static String line(SubjectKey k) {
        String wrapped = k.isForgotten() ? NO_KEY : B64.encodeToString(k.wrapped());
        return k.subjectRef() + " " + k.keyId() + " " + wrapped + "\n";
    }

    private static SubjectKey parse(String line) {
        List<String> parts = List.of(line.strip().split(" "));
        if (parts.size() != 3) {
            throw new CorruptionException("malformed line in " + FILE_NAME);
        }
        try {
            byte[] wrapped = parts.get(2).equals(NO_KEY) ? new byte[0] : B64D.decode(parts.get(2));
            return new SubjectKey(parts.get(0), parts.get(1), wrapped);
        } catch (IllegalArgumentException e) {
            throw new CorruptionException("malformed key in " + FILE_NAME);
        }
    }
}
