package dev.hindsight.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Class-data sharing for the child JVMs of the cli ITs, as {@code ./hindsight} gives its commands
 * (docs/benchmarks.md, session 13): one archive per command under {@code target/it-cds/}, made by
 * {@code -XX:+AutoCreateSharedArchive} when a child exits normally, and mapped by the children after it instead of
 * loading and verifying those classes again ({@code serve} reached its first line in 3.8-4.9 s instead of 11.7-13.6 s
 * on the loaded 2-core machine). Since most children end with {@code kill -9} (and write nothing), the {@code serve}
 * archive is made up front by one training child ({@code serve --store memory}, stopped with SIGTERM); the
 * {@code kafka-dev} archive is written when a broker process first stops with SIGTERM (KafkaDevIT). Commands that run
 * once per build (loadgen) get none: writing an archive costs seconds at exit.
 *
 * <p>A dynamic archive needs a class path of jars only: the children get this JVM's class path without its directories
 * (target/test-classes: the children run {@link Hindsight} from the cli jar and need no test class); when another
 * directory is on it (a build that stops before {@code package}) the children run without an archive. An archive older
 * than a jar of the class path is deleted and made again. {@code -Dit.cds=false} turns all of it off (to compare).
 * Thread-safe: the training runs once per test JVM, under the class lock.
 */
final class ChildCds {
    private static final Set<String> ARCHIVED = Set.of("serve", "kafka-dev");
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("it.cds", "true"));
    private static final List<String> CLASS_PATH = jarsOfClassPath();
    private static final Path DIR = Path.of("target", "it-cds").toAbsolutePath();
    private static boolean trained;

    private ChildCds() {}

    /** The class path for a child: this JVM's without its test-classes directory. */
    static String classPath() {
        return CLASS_PATH == null ? System.getProperty("java.class.path") : String.join(File.pathSeparator, CLASS_PATH);
    }

    /**
     * The JVM options that make a child of {@code command} map (or, at its exit, write) the command's archive; none
     * for a command without one, or when off. The first call for {@code serve} trains its archive.
     *
     * @param jvm the child's {@code java} and the options before these (the training child runs with them too)
     */
    static synchronized List<String> options(String command, List<String> jvm) {
        if (!ENABLED || CLASS_PATH == null || !ARCHIVED.contains(command)) {
            return List.of();
        }
        Path archive = archive(command);
        List<String> options = new ArrayList<>(List.of(
                "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + archive,
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off"));
        if (Runtime.version().feature() >= 25) {
            options.add("-Xlog:aot=off");
        }
        if (command.equals("serve") && !trained) {
            trained = true;
            train(archive, options, jvm);
        }
        return options;
    }

    /**
     * Makes the {@code serve} archive unless it exists, under a file lock, so that the forks of a parallel run train
     * once.
     */
    private static void train(Path archive, List<String> options, List<String> jvm) {
        try (FileChannel lock = FileChannel.open(
                        DIR.resolve("train.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = lock.lock()) {
            if (held.isValid() && !Files.exists(archive)) {
                List<String> training = new ArrayList<>(jvm);
                training.addAll(options);
                training.addAll(List.of(
                        "-cp", classPath(), Hindsight.class.getName(), "serve", "--store", "memory", "--port", "0"));
                train(training);
            }
        } catch (IOException e) {
            System.err.println("ChildCds: no training run (" + e + "); children run without an archive");
        }
    }

    private static Path archive(String command) {
        try {
            Files.createDirectories(DIR);
            String key = HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest((System.getProperty("java.home") + File.pathSeparator + classPath())
                                    .getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 12);
            Path archive = DIR.resolve(command + "-" + key + ".jsa");
            if (Files.exists(archive) && olderThanAJar(archive)) {
                Files.delete(archive);
            }
            return archive;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean olderThanAJar(Path archive) throws IOException {
        FileTime made = Files.getLastModifiedTime(archive);
        for (String jar : CLASS_PATH) {
            Path p = Path.of(jar);
            if (Files.exists(p) && Files.getLastModifiedTime(p).compareTo(made) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs the training {@code serve} until it prints its URL, then stops it with SIGTERM so that it writes the
     * archive; a failure only means the children run without one.
     */
    private static void train(List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                if (line != null) {
                    p.destroy(); // SIGTERM: the JVM writes the archive on its way out
                }
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    System.err.println("ChildCds: the training serve did not stop; children run without an archive");
                }
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            System.err.println("ChildCds: no training run (" + e + "); children run without an archive");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This JVM's class path without directories, or null when a directory other than test-classes is on it. */
    private static List<String> jarsOfClassPath() {
        List<String> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                if (p.getFileName().toString().equals("test-classes")) {
                    continue;
                }
                return null;
            }
            jars.add(entry);
        }
        return List.copyOf(jars);
    }
}
