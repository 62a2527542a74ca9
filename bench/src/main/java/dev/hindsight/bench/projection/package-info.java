/** Projection benchmarks: rebuild rate into each read-model database and live lag under sustained writes. */
@NullMarked
package dev.hindsight.bench.projection;

import org.jspecify.annotations.NullMarked;
