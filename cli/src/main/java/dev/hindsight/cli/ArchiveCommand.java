package dev.hindsight.cli;

import dev.hindsight.core.HindsightException;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.file.FileArchive;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import dev.hindsight.store.postgres.PostgresEventLog;
import dev.hindsight.store.postgres.PostgresOptions;
import dev.hindsight.store.postgres.RestoredArchive;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight archive status|run|restore}: the file engine's archive tier from the command line ({@code restore}
 * also for the PostgreSQL engine's archive). {@code run} and
 * {@code restore} open the store, so the server must be stopped (the data directory's lock); {@code status} only reads.
 */
@Command(
        name = "archive",
        mixinStandardHelpOptions = true,
        description = "The file engine's archive in object storage: status, run, restore.",
        subcommands = {ArchiveCommand.Status.class, ArchiveCommand.Run.class, ArchiveCommand.Restore.class})
final class ArchiveCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "Missing subcommand: use one of status, run, restore");
    }

    /** Options every subcommand takes. */
    static class Common {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--data-dir",
                defaultValue = "./data",
                description = "Data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Mixin
        FileStoreOptions fileStore = new FileStoreOptions();

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        FileLogOptions options(ObjectStore archive) {
            return fileStore.apply(FileLogOptions.defaults(dataDir), archive);
        }

        ObjectStore requireArchive() {
            ObjectStore s = fileStore.openArchive();
            if (s == null) {
                throw new CliException("this needs --archive-url s3://BUCKET/PREFIX (or file:///DIR)");
            }
            return s;
        }

        void requireStore() {
            if (!Files.isDirectory(dataDir.resolve("segments"))) {
                throw new CliException("no Hindsight store in " + dataDir + " (no segments directory)");
            }
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "What is archived (local manifest; with --archive-url also the archive's own manifest).")
    static final class Status extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            requireStore();
            FileArchive.Status local = FileArchive.localStatus(dataDir);
            long hotBytes = 0;
            try (var s = Files.list(dataDir.resolve("segments"))) {
                for (Path p : s.toList()) {
                    hotBytes += Files.size(p);
                }
            }
            out().printf(
                            "local:    %d archived segments, %,d events (positions %d..%d), %,d bytes in the archive;"
                                    + " %,d bytes of segments on local disk%n",
                            local.segments(),
                            local.events(),
                            local.firstPosition(),
                            local.lastPosition(),
                            local.bytes(),
                            hotBytes);
            try (ObjectStore archive = fileStore.openArchive()) {
                if (archive != null) {
                    FileArchive.Status remote = FileArchive.remoteStatus(archive);
                    out().printf(
                                    "archive:  %d segments, %,d events (positions %d..%d), %,d bytes in %s%n",
                                    remote.segments(),
                                    remote.events(),
                                    remote.firstPosition(),
                                    remote.lastPosition(),
                                    remote.bytes(),
                                    archive.describe());
                }
            } catch (HindsightException e) {
                throw new CliException(e.getMessage());
            }
            return 0;
        }
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Compress and archive now every sealed segment older than --archive-after (server stopped).")
    static final class Run extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            requireStore();
            try (ObjectStore archive = requireArchive();
                    FileEventLog log = FileEventLog.open(options(archive))) {
                var run = log.archiveNow();
                StorageUse.Tiers t = log.storage().tiers();
                out().printf(
                                "archived %d segments (%,d events, %,d bytes) in %d ms to %s%n",
                                run.segments(), run.events(), run.bytes(), run.millis(), archive.describe());
                out().printf(
                                "now: hot %,d events / %,d bytes; archived %,d events / %,d bytes; compression %.2fx%n",
                                t.hotEvents(),
                                t.hotBytes(),
                                t.archivedEvents(),
                                t.archivedBytes(),
                                t.compressionRatio());
                if (run.error() != null) {
                    throw new CliException("archive run stopped: " + run.error());
                }
                return 0;
            } catch (HindsightException e) {
                throw new CliException("cannot archive " + dataDir + ": " + e.getMessage());
            }
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = "Make an empty --data-dir a store holding the archive's events, rebuilding its indexes; with"
                    + " --store postgres, put the archived events back into the schema (an empty one, or the"
                    + " archiving store itself).")
    static final class Restore extends Common implements Callable<Integer> {
        @Option(
                names = "--store",
                defaultValue = "file",
                description = "Engine of the store to restore into: file (default, --data-dir) or postgres.")
        ServeCommand.StoreKind store = ServeCommand.StoreKind.file;

        @Mixin
        PgConnectionOptions pg = new PgConnectionOptions();

        @Override
        public Integer call() throws IOException {
            return switch (store) {
                case file -> restoreFile();
                case postgres -> restorePostgres();
                default -> throw new CliException("archive restore supports --store file and --store postgres", 2);
            };
        }

        private int restorePostgres() throws IOException {
            PostgresOptions options = pg.options("hindsight-archive-restore");
            try (ObjectStore archive = requireArchive();
                    PostgresEventLog log = PostgresEventLog.open(options)) {
                long t0 = System.nanoTime();
                RestoredArchive r = log.restoreArchive(archive);
                out().printf(
                                "restored %,d of %,d archived events (%d ranges; the others were still in the table) from %s"
                                        + " into schema %s in %.1f s%n",
                                r.inserted(),
                                r.events(),
                                r.segments(),
                                archive.describe(),
                                options.schema(),
                                (System.nanoTime() - t0) / 1e9);
                return 0;
            } catch (HindsightException | java.io.UncheckedIOException e) {
                throw new CliException("cannot restore into schema " + options.schema() + ": " + e.getMessage());
            }
        }

        private int restoreFile() throws IOException {
            try (ObjectStore archive = requireArchive()) {
                long t0 = System.nanoTime();
                FileArchive.Status s;
                try {
                    s = FileArchive.restore(dataDir, archive);
                } catch (IllegalStateException e) {
                    throw new CliException(e.getMessage());
                }
                try (FileEventLog log = FileEventLog.open(options(archive))) {
                    out().printf(
                                    "restored %,d events (%d segments) from %s into %s in %.1f s; the store continues at"
                                            + " position %d%n",
                                    log.storage().events(),
                                    s.segments(),
                                    archive.describe(),
                                    dataDir,
                                    (System.nanoTime() - t0) / 1e9,
                                    log.storage().events() + 1);
                }
                return 0;
            } catch (HindsightException e) {
                throw new CliException("cannot restore into " + dataDir + ": " + e.getMessage());
            }
        }
    }
}
