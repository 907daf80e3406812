/**
 * pager-core: a crash-consistent, memory-mapped, file-backed fixed-size page provider.
 *
 * <p>Exports the page file API and the storage seam a test kit substitutes.
 */
module io.github.pager.core {
  requires static transitive org.jspecify;

  exports io.github.pager.core;
  exports io.github.pager.core.storage;
}
