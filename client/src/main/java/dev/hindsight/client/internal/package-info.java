/** The client's HTTP and JSON plumbing and its live-feed listener. Not API. */
@NullMarked
package dev.hindsight.client.internal;

import org.jspecify.annotations.NullMarked;
