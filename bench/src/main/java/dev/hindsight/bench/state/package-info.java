/** State reconstruction benchmarks: aggregate loads with and without snapshots, full replay, time travel. */
@NullMarked
package dev.hindsight.bench.state;

import org.jspecify.annotations.NullMarked;
