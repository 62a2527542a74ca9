/**
 * Internals of the PostgreSQL engine, not an API: the append call and its resolution, group commit, reads, commit
 * signals (LISTEN/NOTIFY), migrations and SQL error translation.
 */
@NullMarked
package dev.hindsight.store.postgres.internal;

import org.jspecify.annotations.NullMarked;
