package dev.hindsight.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys seen so far in each open JSON object of a streaming pass, to find duplicates. Event objects are small: a
 * linear scan over an object's first keys costs less than Jackson's duplicate detector, which allocates a hash set
 * for every object with three or more keys (measured: 8 % of a bulk append's CPU). Large objects switch to a hash
 * set. Not thread-safe: one per pass.
 */
final class ObjectKeys {
    private static final int SCAN_LIMIT = 16;
    /** Marks an open array on the stack: it has no keys. */
    private static final List<String> ARRAY = List.of();

    private final List<List<String>> open = new ArrayList<>();
    private final List<Set<String>> large = new ArrayList<>();

    /** A new object starts. */
    void open() {
        open.add(new ArrayList<>(8));
        large.add(null);
    }

    /** A new array starts. */
    void openArray() {
        open.add(ARRAY);
        large.add(null);
    }

    /** The innermost object or array ends. */
    void close() {
        open.removeLast();
        large.removeLast();
    }

    /** Adds a key of the innermost object; false if it already has it. */
    boolean add(String key) {
        int top = open.size() - 1;
        Set<String> set = large.get(top);
        if (set != null) {
            return set.add(key);
        }
        List<String> keys = open.get(top);
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).equals(key)) {
                return false;
            }
        }
        keys.add(key);
        if (keys.size() > SCAN_LIMIT) {
            large.set(top, new HashSet<>(keys));
        }
        return true;
    }
}
