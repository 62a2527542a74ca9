/** Implementation of the HTTP server: routes, JSON codecs, error mapping, the SSE feed. Not an API. */
@NullMarked
package dev.hindsight.server.internal;

import org.jspecify.annotations.NullMarked;
