package io.github.pager.kv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A store's spare node buffers, kept from one write transaction to the next: slabs of
 * page-aligned native memory that {@link StagedNodes} carves into node buffers, and gives back
 * when its transaction is written or rolled back.
 *
 * <p>Why keep them: a batch of 1,000 puts stages some 5 MiB of nodes. Allocating that afresh for
 * every transaction zeroes it and faults it into the process page by page, about a tenth of the
 * batch's CPU time when measured; a slab handed on costs neither. At most {@link #MAX_SPARE_BYTES}
 * are kept; a transaction that needs more allocates the rest, and what it gives back beyond the
 * limit goes to the collector (each slab has an automatic arena of its own). Write transactions
 * of one pager run one at a time, so the lock here is never contended; it is there for a store
 * shared by threads that take turns.
 */
final class NodeBufferPool {
  /** The most kept between transactions: the nodes of a transaction of about 1,500 puts. */
  static final long MAX_SPARE_BYTES = 8L << 20;

  /** The size of a slab, or of one page when pages are larger. */
  private static final long SLAB_BYTES = 256L << 10;

  private final int pageSize;
  private final long slabBytes;
  private final ArrayDeque<MemorySegment> spare = new ArrayDeque<>();

  NodeBufferPool(int pageSize) {
    this.pageSize = pageSize;
    this.slabBytes = Math.max(SLAB_BYTES, pageSize);
  }

  /** Node buffers per slab. */
  int pagesPerSlab() {
    return (int) (slabBytes / pageSize);
  }

  /** A slab, page-aligned: a spare one, or new. Its bytes are whatever a transaction left. */
  synchronized MemorySegment take() {
    MemorySegment slab = spare.poll();
    return slab != null ? slab : Arena.ofAuto().allocate(slabBytes, pageSize);
  }

  /** Takes back slabs whose buffers nothing uses any more. */
  synchronized void give(List<MemorySegment> slabs) {
    for (MemorySegment slab : slabs) {
      if ((spare.size() + 1) * slabBytes > MAX_SPARE_BYTES) {
        return;
      }
      spare.push(slab);
    }
  }
}
