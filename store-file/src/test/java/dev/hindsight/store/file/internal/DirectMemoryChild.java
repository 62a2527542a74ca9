package dev.hindsight.store.file.internal;

/**
 * Child JVM for {@code BlockMemoryLimitTest}, run with a {@code -XX:MaxDirectMemorySize} below the budget it is given:
 * takes every slot of a {@link BlockMemory} of that budget and prints {@code taken N none M}, or {@code failed ...}
 * with what a take threw.
 */
public final class DirectMemoryChild {
    private DirectMemoryChild() {}

    public static void main(String[] args) {
        BlockMemory m = new BlockMemory(Long.parseLong(args[0]));
        int taken = 0;
        int none = 0;
        try {
            for (int i = 0; i < m.maxSlots(); i++) {
                if (m.take() != null) {
                    taken++;
                } else {
                    none++;
                }
            }
            System.out.println("taken " + taken + " none " + none + " reserved " + m.reservedBytes());
        } catch (Throwable t) {
            System.out.println("failed after " + taken + " slots: " + t);
        }
    }
}
