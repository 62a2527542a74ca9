/** Deterministic clocks for tests of time-dependent behaviour (timestamps, time travel). */
@NullMarked
package dev.hindsight.testkit.clock;

import org.jspecify.annotations.NullMarked;
