/** {@code hindsight-bench growth}: cost of a file store as it grows (heap, open time, bytes, reads, appends). */
@NullMarked
package dev.hindsight.bench.growth;

import org.jspecify.annotations.NullMarked;
