/**
 * Benchmarks of Hindsight: the {@code append} end-to-end scenario (engine against a raw-fsync baseline measured in the
 * same run) and the JMH micro benchmarks, both started from {@link dev.hindsight.bench.BenchMain}. Not a library:
 * nothing here is API.
 */
@NullMarked
package dev.hindsight.bench;

import org.jspecify.annotations.NullMarked;
