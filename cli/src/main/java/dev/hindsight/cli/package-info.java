/**
 * The {@code hindsight} command line (picocli): {@code serve} runs the HTTP server on the embedded store;
 * {@code append}, {@code read} and {@code tail} are thin clients of a running server's HTTP API.
 */
@NullMarked
package dev.hindsight.cli;

import org.jspecify.annotations.NullMarked;
