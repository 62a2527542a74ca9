/** Peers on the same PostgreSQL: Message DB against Hindsight's PostgreSQL engine, in one run. */
@NullMarked
package dev.hindsight.bench.peers;

import org.jspecify.annotations.NullMarked;
