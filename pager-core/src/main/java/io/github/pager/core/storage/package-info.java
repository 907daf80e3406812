/**
 * The storage seam: the small interface through which a pager reaches its file, and the real
 * file-backed implementation. A test kit implements {@link io.github.pager.core.storage.Storage}
 * to inject faults.
 */
@NullMarked
package io.github.pager.core.storage;

import org.jspecify.annotations.NullMarked;
