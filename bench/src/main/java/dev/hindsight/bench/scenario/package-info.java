/**
 * The end-to-end scenario behind {@code hindsight-bench append}: durable appends through {@code EventStore} on the
 * file engine, aggregate loads and global scans, each next to a raw baseline of the same bytes measured in the same
 * run, reported as a Markdown table (and JSON) with the floors of issue 2.
 */
@NullMarked
package dev.hindsight.bench.scenario;

import org.jspecify.annotations.NullMarked;
