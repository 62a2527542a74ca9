/**
 * The embedded file-log engine, Hindsight's zero-setup default. See {@link dev.hindsight.store.file.FileEventLog}
 * for the on-disk format.
 */
@NullMarked
package dev.hindsight.store.file;

import org.jspecify.annotations.NullMarked;
