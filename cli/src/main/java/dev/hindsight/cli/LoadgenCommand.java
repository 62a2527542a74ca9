package dev.hindsight.cli;

import dev.hindsight.core.HindsightException;
import dev.hindsight.loadgen.AppendLoad;
import dev.hindsight.loadgen.HttpAccess;
import dev.hindsight.loadgen.LoadGenOptions;
import dev.hindsight.loadgen.LoadGenerator;
import dev.hindsight.loadgen.Report;
import dev.hindsight.store.file.FsyncPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code hindsight loadgen}: replays the seed's order scenario against an embedded store (default) or a running
 * server ({@code --url}) and prints a report; {@code --out} also writes it as JSON. Exit 1 when commands or reads
 * failed or the store is inconsistent afterwards. Not thread-safe.
 */
@Command(
        name = "loadgen",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Replay the seed's order scenario (100K orders/day, ~10 events each) and report throughput,"
                    + " latency percentiles, projection lag and bytes on disk.",
            "Phases: --days N fills N simulated days as fast as possible; --duration runs at --rate (default the"
                    + " seed's peak, 1000 events/s) with reads over HTTP beside. Default: 60 s at 1000 events/s."
        })
final class LoadgenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            description = "Embedded store to drive (Java API; created if missing; default"
                    + " ./data). With --url: only measured for bytes on disk.")
    Path dataDir;

    @Option(
            names = "--url",
            description = "Drive a running server over HTTP instead (timestamps are then the" + " server's clock).")
    URI url;

    @Mixin
    ClientAccess access = new ClientAccess();

    @Option(
            names = "--fsync",
            defaultValue = "always",
            converter = ServeCommand.FsyncConverter.class,
            description = "Embedded store's fsync policy: always, interval or never (default: always).")
    FsyncPolicy fsync;

    @Option(
            names = "--segment-size",
            converter = FileStoreOptions.SizeConverter.class,
            description = "Embedded store's segment size, e.g. 16MiB (default: 256MiB); sealed segments are"
                    + " compressed, so a small size makes a short fill look like a long-lived store on disk.")
    Long segmentSize;

    @Option(
            names = "--days",
            defaultValue = "0",
            description = "Fill phase: this many simulated days of orders" + " (each lifecycle to its end).")
    int days;

    @Option(
            names = "--fill-rate",
            defaultValue = "max",
            converter = RateConverter.class,
            description = "Events/s of the fill phase, or max (default: max).")
    double fillRate;

    @Option(
            names = "--duration",
            converter = DurationConverter.class,
            description = "Measure phase length, e.g." + " 60s, 5m (default: 60s; none when --days is given).")
    Duration duration;

    @Option(
            names = "--warmup",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "Unmeasured run of the measure phase's load first (JIT, caches; default: 30s).")
    Duration warmup;

    @Option(
            names = "--rate",
            defaultValue = "1000",
            converter = RateConverter.class,
            description = "Events/s of the measure phase, or max (default: 1000, the seed's peak).")
    double rate;

    @Option(
            names = "--read-rate",
            defaultValue = "300",
            description = "Reads/s over HTTP in the measure phase: order loads, queries by user and by status in turn"
                    + " (default: 300; 0: none).")
    double readRate;

    @Option(
            names = "--orders-per-day",
            defaultValue = "100000",
            description = "Simulated arrivals a day (default:" + " 100000).")
    long ordersPerDay;

    @Option(names = "--users", defaultValue = "200000", description = "Customers (default: 200000).")
    int users;

    @Option(names = "--concurrency", defaultValue = "256", description = "Most commands in flight (default: 256).")
    int concurrency;

    @Option(names = "--seed", defaultValue = "42", description = "Scenario seed (default: 42).")
    long seed;

    @Option(
            names = "--start",
            description = "Simulated start (ISO-8601); default: after the store's last event,"
                    + " or --days before today for an empty store.")
    String start;

    @Option(
            names = "--verify-orders",
            defaultValue = "100000",
            description = "Afterwards, check at most this many of the run's orders (default: 100000).")
    int verifyOrders;

    @Option(
            names = "--appends",
            paramLabel = "N",
            description = "Instead of the order scenario: raw appends to a server (--url) as fast as it takes them,"
                    + " N events per request over N new aggregates (1: POST /api/aggregates/{id}/events; more: POST"
                    + " /api/appends), --concurrency requests in flight (default 64 here), for --warmup then"
                    + " --duration; reports events/s and request latency.")
    Integer appends;

    @Option(names = "--out", description = "Also write the report as JSON to this file.")
    Path out;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    /** {@code max} (0) or a positive number. */
    static final class RateConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            if ("max".equalsIgnoreCase(value.trim())) {
                return 0.0;
            }
            try {
                double d = Double.parseDouble(value.trim());
                if (d > 0 && Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new TypeConversionException("expected a positive number of events/s or max, was '" + value + "'");
        }
    }

    /** {@code 90}, {@code 90s}, {@code 5m}, {@code 1h}, {@code 30d} or ISO-8601 ({@code PT90S}). */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("pt")) {
                    return Duration.parse(v);
                }
                char unit = v.isEmpty() ? 's' : v.charAt(v.length() - 1);
                String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
                long n = Long.parseLong(number);
                Duration d = switch (Character.isDigit(unit) ? 's' : unit) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                };
                if (!d.isNegative()) {
                    return d;
                }
            } catch (NumberFormatException | DateTimeParseException e) {
                // below
            }
            throw new TypeConversionException("expected a duration like 60s, 5m, 1h or 30d, was '" + value + "'");
        }
    }

    @Override
    public Integer call() throws InterruptedException, IOException {
        if (appends != null) {
            return appendLoad();
        }
        LoadGenOptions options = options();
        PrintWriter err = spec.commandLine().getErr();
        Report report;
        try {
            report = LoadGenerator.run(options, quiet ? null : err);
        } catch (HindsightException e) {
            throw new CliException("loadgen failed: " + e.getMessage());
        } catch (java.io.UncheckedIOException e) {
            throw new CliException(e.getMessage());
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(report.table());
        stdout.flush();
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, report.toJson(), StandardCharsets.UTF_8);
        }
        return report.problems().isEmpty() ? 0 : 1;
    }

    private HttpAccess httpAccess() {
        return new HttpAccess(access.token(), access.ssl());
    }

    /** {@code --appends N}: raw append throughput over HTTP. */
    private int appendLoad() throws InterruptedException, IOException {
        if (url == null) {
            throw new ParameterException(spec.commandLine(), "--appends needs --url (a running server)");
        }
        if (appends < 1 || appends > 10_000) {
            throw new ParameterException(spec.commandLine(), "--appends must be 1 to 10000, was " + appends);
        }
        boolean concurrencyGiven = spec.commandLine().getParseResult().hasMatchedOption("--concurrency");
        AppendLoad.Result result;
        try {
            result = new AppendLoad(url, appends, concurrencyGiven ? concurrency : 64, httpAccess())
                    .run(
                            warmup,
                            duration == null ? Duration.ofSeconds(60) : duration,
                            quiet ? null : spec.commandLine().getErr());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        spec.commandLine().getOut().print(result.table());
        spec.commandLine().getOut().flush();
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, result.toJson(), StandardCharsets.UTF_8);
        }
        return result.failedEvents() == 0 && result.events() > 0 ? 0 : 1;
    }

    private LoadGenOptions options() {
        if (url != null && segmentSize != null) {
            throw new ParameterException(spec.commandLine(), "--segment-size is for the embedded store, not --url");
        }
        if (url != null && !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new ParameterException(spec.commandLine(), "Invalid --url '" + url + "': expected http://host:port");
        }
        Instant startAt = null;
        if (start != null) {
            try {
                startAt = Instant.parse(start);
            } catch (DateTimeParseException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "Invalid --start '" + start + "': expected an ISO-8601 instant like 2024-05-01T00:00:00Z");
            }
        }
        try {
            return LoadGenOptions.builder()
                    .dataDir(dataDir != null ? dataDir : url == null ? Path.of("./data") : null)
                    .url(url)
                    .http(httpAccess())
                    .fsync(fsync)
                    .segmentBytes(segmentSize == null ? 0 : segmentSize)
                    .days(days)
                    .fillRate(fillRate)
                    .duration(duration)
                    .warmup(warmup)
                    .rate(rate)
                    .readRate(readRate)
                    .ordersPerDay(ordersPerDay)
                    .users(users)
                    .concurrency(concurrency)
                    .seed(seed)
                    .start(startAt)
                    .verifyOrders(verifyOrders)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
