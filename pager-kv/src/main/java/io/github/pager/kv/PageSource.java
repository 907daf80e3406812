package io.github.pager.kv;

import java.lang.foreign.MemorySegment;

/**
 * Where a tree's pages are read from: the writer's pager inside its transaction, or a reader's
 * snapshot. One interface, so that searching, reading values and the cursor are written once.
 */
@FunctionalInterface
interface PageSource {
  /**
   * Returns the whole page {@code index}, from the pager's mapping.
   *
   * @param index a page the tree reaches
   * @return the page; read-only for a snapshot
   */
  MemorySegment page(long index);
}
