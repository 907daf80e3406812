/**
 * pager-allocator: generic allocator interfaces ({@code PageAllocator}, {@code PageHandle}) over
 * pager-core, the regular-page allocator, and a persistent, crash-consistent sub-page allocator.
 */
module io.github.pager.allocator {
  requires transitive io.github.pager.core;
  requires static org.jspecify;

  exports io.github.pager.allocator;
}
