package dev.hindsight.cli;

import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.retention.RetentionPolicy;
import dev.hindsight.core.retention.RetentionRule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code serve}'s retention options (ADR 0017). */
final class RetentionOptions {
    @Option(
            names = "--retention",
            paramLabel = "RULE",
            description = "A retention rule MATCH:ACTION (repeatable; the first rule matching an event decides; events"
                    + " no rule matches are kept). MATCH: an aggregate-id prefix (ord_), type=EventType, or *."
                    + " ACTION: keep, archive-after=DURATION (file engine, with --archive-url) or"
                    + " delete-after=DURATION (file and PostgreSQL engines; never an event a projection has not"
                    + " applied, never an aggregate's last event). E.g. --retention 'ord_:archive-after=30d'"
                    + " --retention 'type=CartViewed:delete-after=90d'. DURATION: 90d, 12h, 30m, 0s.")
    List<String> rules = new ArrayList<>();

    @Option(
            names = "--retention-file",
            paramLabel = "FILE",
            description = "Retention rules, one per line (# comments); they come after the --retention rules.")
    @Nullable
    Path file;

    @Option(
            names = "--retention-interval",
            defaultValue = "1h",
            converter = LoadgenCommand.DurationConverter.class,
            description = "How often the retention rules run (default: ${DEFAULT-VALUE}); `hindsight retention run`"
                    + " runs them at once.")
    Duration interval;

    /**
     * The rules, checked against what {@code store} can do.
     *
     * @param archive whether the file engine archives (--archive-url)
     * @throws CliException (exit 2) for a bad rule, an unreadable file, or rules the engine cannot apply
     */
    RetentionPolicy policy(ServeCommand.StoreKind store, boolean archive) {
        List<RetentionRule> all = new ArrayList<>();
        try {
            all.addAll(RetentionPolicy.parse(rules).rules());
            if (file != null) {
                all.addAll(RetentionPolicy.read(file).rules());
            }
        } catch (InvalidRequestException e) {
            throw new CliException(e.getMessage(), 2);
        } catch (IOException e) {
            throw new CliException("--retention-file: cannot read " + file + ": " + e.getMessage(), 2);
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new CliException("--retention-interval must be positive, e.g. 1h", 2);
        }
        RetentionPolicy policy = new RetentionPolicy(all);
        if (all.isEmpty()) {
            return policy;
        }
        if (store == ServeCommand.StoreKind.kafka || store == ServeCommand.StoreKind.memory) {
            throw new CliException(
                    "retention rules apply to --store file and --store postgres; "
                            + (store == ServeCommand.StoreKind.kafka
                                    ? "Kafka has topic retention (retention.ms; README: \"Retention\")"
                                    : "the memory store keeps nothing anyway"),
                    2);
        }
        if (policy.archives() && store == ServeCommand.StoreKind.postgres) {
            throw new CliException(
                    "archive-after rules need the file engine's archive; the PostgreSQL engine deletes"
                            + " (delete-after) but does not archive yet (ADR 0017)",
                    2);
        }
        if (policy.archives() && !archive) {
            throw new CliException("archive-after rules need --archive-url (where to archive to)", 2);
        }
        return policy;
    }
}
