package dev.hindsight.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A progress bar on stderr for long streaming commands: redrawn in place ({@code \r}) at most five times a second when
 * stderr is a terminal; when forced on ({@code --progress}) for a stderr that is not one, a plain line every two
 * seconds. Off otherwise, so that logs and pipes stay clean. Not thread-safe.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final String unit;
    private final boolean enabled;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDraw;

    /**
     * @param forced {@code --progress}: show even when stderr is not a terminal
     */
    ProgressBar(PrintWriter err, String label, String unit, boolean forced) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.terminal = stderrIsTerminal();
        this.enabled = forced || terminal;
    }

    /** Whether file descriptor 2 is a terminal (Linux: it links to a tty or pty device); false when unknown. */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /**
     * Shows progress.
     *
     * @param fraction how much of the whole that is (0-1), or negative if unknown
     * @param count the number to show (e.g. events), with {@code unit}
     */
    void update(double fraction, long count) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < (terminal ? 200_000_000L : 2_000_000_000L)) {
            return;
        }
        lastDraw = now;
        draw(fraction, count, now);
    }

    /** Draws the final state and ends the line. */
    void finish(double fraction, long count) {
        if (!enabled) {
            return;
        }
        draw(fraction, count, System.nanoTime());
        if (terminal) {
            err.println();
        }
        err.flush();
    }

    private void draw(double fraction, long count, long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (fraction >= 0) {
            int filled = (int) Math.round(Math.min(1, fraction) * WIDTH);
            sb.append('[')
                    .append("=".repeat(filled))
                    .append(" ".repeat(WIDTH - filled))
                    .append(']')
                    .append(String.format(" %3.0f%% ", Math.min(1, fraction) * 100));
        }
        sb.append(String.format("%,d %s, %,.0f/s, %.0f s", count, unit, count / seconds, seconds));
        if (terminal) {
            err.print("\r" + sb + "   ");
        } else {
            err.println(sb);
        }
        err.flush();
    }
}
