/**
 * Retention (ADR 0017): rules per aggregate-id prefix or event type that keep events forever, move them to the archive
 * after an age, or delete them after an age; the runner that applies them without ever deleting an event a
 * projection has not yet applied; and the record of each run.
 */
@NullMarked
package dev.hindsight.core.retention;

import org.jspecify.annotations.NullMarked;
