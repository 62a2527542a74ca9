/** Implementation details of the aggregate module; not API. */
@NullMarked
package dev.hindsight.aggregate.internal;

import org.jspecify.annotations.NullMarked;
