/**
 * Allocators over a {@link io.github.pager.core.Pager}: the interfaces generic code is written
 * against ({@link io.github.pager.allocator.PageAllocator}, {@link
 * io.github.pager.allocator.PageHandle}), regular pages ({@link
 * io.github.pager.allocator.RegularPageAllocator}) and sub-pages ({@link
 * io.github.pager.allocator.SubPageAllocator}).
 */
@NullMarked
package io.github.pager.allocator;

import org.jspecify.annotations.NullMarked;
