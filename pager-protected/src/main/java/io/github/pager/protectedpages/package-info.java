/**
 * Protected pages over a {@link io.github.pager.core.Pager}: {@link
 * io.github.pager.protectedpages.ProtectedPageAllocator} hands out {@link
 * io.github.pager.protectedpages.ProtectedPageId}s, {@link
 * io.github.pager.protectedpages.ProtectedPageWriter} writes one page atomically, and {@link
 * io.github.pager.protectedpages.ProtectedTransaction} commits writes to many pages, their
 * allocations and frees, and regular-page changes together.
 */
@NullMarked
package io.github.pager.protectedpages;

import org.jspecify.annotations.NullMarked;
