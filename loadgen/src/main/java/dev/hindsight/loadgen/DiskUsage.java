package dev.hindsight.loadgen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Bytes a data directory takes, by part: the event log ({@code segments/}, with its index checkpoint), snapshots
 * ({@code snapshots/}), the read model ({@code readmodel.db*}) and anything else. Counts allocated blocks ({@code du}),
 * since log segments are preallocated sparse files whose apparent size says nothing; falls back to apparent sizes
 * where {@code du} is missing.
 *
 * @param log bytes of the event log
 * @param snapshots bytes of the snapshot store
 * @param readModel bytes of the read-model database
 * @param other everything else
 * @param allocated whether these are allocated bytes (else apparent sizes)
 */
record DiskUsage(long log, long snapshots, long readModel, long other, boolean allocated) {

    long total() {
        return log + snapshots + readModel + other;
    }

    static DiskUsage of(Path dir) {
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        Map<Path, Long> sizes = allocated(dir, entries);
        boolean allocated = sizes != null;
        if (sizes == null) {
            sizes = new HashMap<>();
            for (Path p : entries) {
                sizes.put(p.getFileName(), apparent(p));
            }
        }
        long log = 0;
        long snapshots = 0;
        long readModel = 0;
        long other = 0;
        for (Map.Entry<Path, Long> e : sizes.entrySet()) {
            String name = e.getKey().getFileName().toString();
            if (name.equals("segments")) {
                log += e.getValue();
            } else if (name.equals("snapshots")) {
                snapshots += e.getValue();
            } else if (name.startsWith("readmodel.db")) {
                readModel += e.getValue();
            } else {
                other += e.getValue();
            }
        }
        return new DiskUsage(log, snapshots, readModel, other, allocated);
    }

    /** {@code du -s -B1} of each entry, by file name; {@code null} if du cannot be run. */
    private static @Nullable Map<Path, Long> allocated(Path dir, List<Path> entries) {
        if (entries.isEmpty()) {
            return Map.of();
        }
        List<String> cmd = new ArrayList<>(List.of("du", "-s", "-B1", "--"));
        entries.forEach(p -> cmd.add(p.getFileName().toString()));
        try {
            Process p = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(false)
                    .start();
            Map<Path, Long> out = new HashMap<>();
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    int tab = line.indexOf('\t');
                    if (tab > 0) {
                        out.put(
                                Path.of(line.substring(tab + 1)),
                                Long.parseLong(line.substring(0, tab).trim()));
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || out.size() != entries.size()) {
                p.destroy();
                return null;
            }
            return out;
        } catch (IOException | NumberFormatException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long apparent(Path p) {
        try (Stream<Path> all = Files.walk(p)) {
            return all.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
