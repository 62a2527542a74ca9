/**
 * JMH micro benchmarks, run with {@code java -jar hindsight-bench.jar jmh [JMH options]}. They go through the public
 * API only: the frame codec is internal to {@code store-file}, so encode and decode are measured as an append to a
 * log that never fsyncs and a read of one event.
 */
@NullMarked
package dev.hindsight.bench.jmh;

import org.jspecify.annotations.NullMarked;
