/**
 * What storage engines implement: {@link dev.hindsight.core.spi.EventLog}, a raw-record log. The
 * {@link dev.hindsight.core.EventStore} does validation, timestamps, ids and subscriptions on top of it.
 */
@NullMarked
package dev.hindsight.core.spi;

import org.jspecify.annotations.NullMarked;
