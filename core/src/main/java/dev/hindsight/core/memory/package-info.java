/** The in-memory reference engine: the simplest correct {@link dev.hindsight.core.spi.EventLog}. */
@NullMarked
package dev.hindsight.core.memory;

import org.jspecify.annotations.NullMarked;
