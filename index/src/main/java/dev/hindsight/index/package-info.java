/**
 * On-disk derived indexes for Hindsight's engines; depends on the JDK only.
 *
 * <p>{@link dev.hindsight.index.HashIndex} is a log-structured merge index of hashed keys (a multimap of 64-bit key
 * hash → 64-bit value, e.g. event-id hash → position) made of immutable sorted run files listed by a manifest.
 * {@link dev.hindsight.index.OffsetFile} is a dense, immutable array of 32-bit offsets (position → offset in a sealed
 * segment). Both are derived data: their owner must be able to rebuild them from its log, and must verify every hit
 * against the log (a hash is not the key). Formats are described in {@code internal/package-info.java}.
 */
@NullMarked
package dev.hindsight.index;

import org.jspecify.annotations.NullMarked;
