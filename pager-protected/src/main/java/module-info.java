/**
 * pager-protected: protected pages, each a stable logical page backed by two physical copies
 * with a CRC32C, written copy-on-write and committed atomically, many at once, with one
 * metadata record of the pager.
 */
module io.github.pager.protectedpages {
  requires transitive io.github.pager.allocator;
  requires static org.jspecify;

  exports io.github.pager.protectedpages;
}
