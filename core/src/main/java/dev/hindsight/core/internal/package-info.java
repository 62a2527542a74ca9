/** Implementation details of the core; not API. */
@NullMarked
package dev.hindsight.core.internal;

import org.jspecify.annotations.NullMarked;
