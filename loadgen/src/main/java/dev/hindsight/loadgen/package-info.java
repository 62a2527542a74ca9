/**
 * The load generator: replays the seed's order scenario (orders of about ten events each, created at the seed's
 * volume of 100,000 orders a day, every order's events spread over simulated days) through the real order commands,
 * against an embedded store (Java API, the read model live, an in-process HTTP server for the reads) or a running
 * server (HTTP), and reports throughput, latency percentiles, projection lag and bytes on disk.
 *
 * <p>Entry point: {@link dev.hindsight.loadgen.LoadGenerator#run}; the {@code hindsight loadgen} command is a thin
 * wrapper over it.
 */
@NullMarked
package dev.hindsight.loadgen;

import org.jspecify.annotations.NullMarked;
