package dev.hindsight.store.file.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.CorruptionException;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The list of archived segments, kept both locally ({@code <dir>/archive/manifest.json}) and beside the segments in
 * the object store ({@code manifest.json}): each segment's key, positions, compressed layout and MD5. The local copy
 * lets a store open without touching the network; the remote one lets a fresh machine restore from the archive alone.
 * Immutable.
 */
public record ArchiveManifest(List<Entry> segments) {
    static final int FORMAT = 1;
    public static final String KEY = "manifest.json";
    static final String DIR = "archive";

    /** One archived segment. */
    public record Entry(
            String key,
            long base,
            int records,
            int extent,
            int blocks,
            long tableOffset,
            long bytes,
            String md5,
            long newestEventMillis,
            long archivedAtMillis) {
        long lastPosition() {
            return base + records - 1;
        }
    }

    public ArchiveManifest {
        segments =
                segments.stream().sorted(Comparator.comparingLong(Entry::base)).toList();
    }

    static final ArchiveManifest EMPTY = new ArchiveManifest(List.of());

    ArchiveManifest with(Entry e) {
        List<Entry> all = new ArrayList<>(segments);
        all.removeIf(x -> x.base() == e.base());
        all.add(e);
        return new ArchiveManifest(all);
    }

    long events() {
        return segments.stream().mapToLong(Entry::records).sum();
    }

    long bytes() {
        return segments.stream().mapToLong(Entry::bytes).sum();
    }

    public byte[] toJson() {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("format", FORMAT);
        ArrayNode arr = root.putArray("segments");
        for (Entry e : segments) {
            arr.add(Json.mapper().valueToTree(e));
        }
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a manifest; {@code from} names it in errors. */
    public static ArchiveManifest parse(byte[] json, String from) {
        try {
            JsonNode root = Json.mapper().readTree(json);
            if (root == null || root.path("format").asInt() != FORMAT) {
                throw new CorruptionException("archive manifest " + from + " has an unknown format");
            }
            List<Entry> out = new ArrayList<>();
            for (JsonNode n : root.path("segments")) {
                out.add(Json.mapper().treeToValue(n, Entry.class));
            }
            return new ArchiveManifest(out);
        } catch (IOException e) {
            throw new CorruptionException("archive manifest " + from + " is not readable: " + e.getMessage());
        }
    }

    static Path localFile(Path dataDir) {
        return dataDir.resolve(DIR).resolve(KEY);
    }

    /** The local copy, or an empty manifest if the store never archived. */
    public static ArchiveManifest readLocal(Path dataDir) throws IOException {
        Path f = localFile(dataDir);
        return Files.exists(f) ? parse(Files.readAllBytes(f), f.toString()) : EMPTY;
    }

    /** Replaces the local copy atomically and durably. */
    public void writeLocal(Path dataDir) throws IOException {
        Path f = localFile(dataDir);
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling(KEY + ".tmp");
        Files.write(tmp, toJson());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Segment.forceDirectory(f.getParent());
    }
}
