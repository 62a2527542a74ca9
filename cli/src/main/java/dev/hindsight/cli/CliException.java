package dev.hindsight.cli;

/** A failure to report as one line on stderr, with an exit code (1 unless said otherwise). */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(String message) {
        this(message, 1);
    }

    CliException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
