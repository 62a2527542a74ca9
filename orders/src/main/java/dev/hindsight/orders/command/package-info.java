/**
 * What users ask the order system to do. Commands carry everything the decider needs, including the instant the
 * request was made (read from an injected clock at the edge), so that deciding is a pure function. Their constructors
 * reject malformed input with {@link dev.hindsight.core.InvalidRequestException} (HTTP 400).
 */
@NullMarked
package dev.hindsight.orders.command;

import org.jspecify.annotations.NullMarked;
