/** Implementation of the projection runner; not API. */
@NullMarked
package dev.hindsight.projection.internal;

import org.jspecify.annotations.NullMarked;
