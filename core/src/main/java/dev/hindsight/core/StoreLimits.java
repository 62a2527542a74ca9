package dev.hindsight.core;

/**
 * Size limits enforced on append.
 *
 * @param maxEventBytes largest event (type + data + metadata, UTF-8 bytes); default 1 MiB
 * @param maxAppendBytes largest append (sum over its events); default 4 MiB
 * @param maxEventsPerAppend most events in one append; default 10,000
 */
public record StoreLimits(int maxEventBytes, int maxAppendBytes, int maxEventsPerAppend) {
    public static final StoreLimits DEFAULT = new StoreLimits(1 << 20, 4 << 20, 10_000);

    public StoreLimits {
        if (maxEventBytes <= 0 || maxAppendBytes <= 0 || maxEventsPerAppend <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
