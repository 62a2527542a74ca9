package dev.hindsight.cli;

import dev.hindsight.archive.ObjectStores;
import dev.hindsight.core.spi.ObjectStore;
import dev.hindsight.store.file.ArchiveOptions;
import dev.hindsight.store.file.FileLogOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The file engine's storage-lifecycle options, shared by {@code serve} and {@code archive}. */
final class FileStoreOptions {
    @Option(
            names = "--segment-size",
            converter = SizeConverter.class,
            description = "File engine: segment size, e.g. 1MiB, 64MiB (default: 256MiB); a segment is compressed "
                    + "(and can be archived) once sealed.")
    @Nullable
    Long segmentSize;

    @Option(
            names = "--archive-url",
            description = "File engine: archive sealed segments to s3://BUCKET/PREFIX (credentials from "
                    + "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or file:///DIR.")
    @Nullable
    String archiveUrl;

    @Option(
            names = "--s3-endpoint",
            description = "S3-compatible server for --archive-url s3://..., e.g. http://127.0.0.1:9000 (path-style); "
                    + "default: AWS S3.")
    @Nullable
    String s3Endpoint;

    @Option(
            names = "--archive-after",
            converter = LoadgenCommand.DurationConverter.class,
            description = "Archive a sealed segment once its newest event is older than this, e.g. 30d, 12h; 0s "
                    + "archives each as soon as it is sealed (default: 30d, the seed's hot tier).")
    @Nullable
    Duration archiveAfter;

    @Option(
            names = "--archive-cache",
            converter = CacheSizeConverter.class,
            description = "File engine: disk budget for local copies of recently read archived segments in"
                    + " DATA_DIR/archive-cache, e.g. 4GiB; 0 turns them off (default: 1GiB).")
    @Nullable
    Long archiveCache;

    /** Opens the archive's object store, or null without {@code --archive-url}. */
    @Nullable
    ObjectStore openArchive() {
        if (archiveUrl == null || archiveUrl.isBlank()) {
            if (s3Endpoint != null || archiveAfter != null || archiveCache != null) {
                throw new CliException("--s3-endpoint, --archive-after and --archive-cache need --archive-url");
            }
            return null;
        }
        try {
            return ObjectStores.open(archiveUrl, s3Endpoint);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        } catch (IOException e) {
            throw new CliException("cannot open the archive " + archiveUrl + ": " + e.getMessage());
        }
    }

    /** {@code base} with these options applied; {@code archive} from {@link #openArchive()}. */
    FileLogOptions apply(FileLogOptions base, @Nullable ObjectStore archive) {
        FileLogOptions o = base;
        if (segmentSize != null) {
            o = o.withSegmentBytes(segmentSize);
        }
        if (archive != null) {
            ArchiveOptions a = ArchiveOptions.of(archive, archiveAfter == null ? Duration.ofDays(30) : archiveAfter);
            o = o.withArchive(archiveCache == null ? a : a.withCacheBytes(archiveCache));
        }
        return o;
    }

    /** {@code 1048576}, {@code 64KiB}, {@code 1MiB}, {@code 2GiB} (also KB/MB/GB as powers of 1024); -1 if not one. */
    static long parseSize(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        if (!v.isEmpty() && "kmgt".indexOf(v.charAt(v.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmgt".indexOf(v.charAt(v.length() - 1)) + 1));
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 || n > Long.MAX_VALUE / unit ? -1 : n * unit;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A segment size: 64 KiB to just under 2 GiB. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long n = parseSize(value);
            if (n >= 64 * 1024 && n <= Integer.MAX_VALUE - 8) {
                return n;
            }
            throw new TypeConversionException(
                    "expected a size from 64KiB to just under 2GiB, like 1MiB or 256MiB, was '" + value + "'");
        }
    }

    /** A cache budget: 0 or more bytes. */
    static final class CacheSizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long n = parseSize(value);
            if (n >= 0) {
                return n;
            }
            throw new TypeConversionException("expected a size like 0, 512MiB or 4GiB, was '" + value + "'");
        }
    }
}
