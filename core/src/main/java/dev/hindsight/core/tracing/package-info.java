/**
 * OpenTelemetry tracing of the store: the {@link dev.hindsight.core.tracing.Tracing} facade that every instrumented
 * component takes from its {@link dev.hindsight.core.EventStore}, and the span and attribute names it emits. Off (no
 * spans, no context work) unless an {@link io.opentelemetry.api.OpenTelemetry} with an exporter is given.
 */
@NullMarked
package dev.hindsight.core.tracing;

import org.jspecify.annotations.NullMarked;
