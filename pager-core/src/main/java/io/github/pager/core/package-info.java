/**
 * The page file: {@link io.github.pager.core.Pager} hands out fixed-size pages of a
 * memory-mapped file and keeps their allocation state crash-consistent.
 *
 * <p>Start with {@link io.github.pager.core.Pager#create} or {@link
 * io.github.pager.core.Pager#open}; group changes with {@link io.github.pager.core.Transaction}.
 * The on-disk format and the commit protocol are specified in FORMAT.md at the repository root.
 */
@NullMarked
package io.github.pager.core;

import org.jspecify.annotations.NullMarked;
