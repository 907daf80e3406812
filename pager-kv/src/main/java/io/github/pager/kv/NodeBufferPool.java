package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * A store's spare node buffers, kept from one write transaction to the next: pages of heap
 * memory that {@link StagedNodes} stages nodes in, and gives back when its transaction is written
 * or rolled back.
 *
 * <p>Why keep them: a batch of 1,000 puts stages some 5 MiB of nodes, which would otherwise be
 * allocated and zeroed afresh for every transaction and, living as long as it does, copied by the
 * collector from one survivor space to the next. At most {@link #MAX_SPARE_BYTES} are kept; a
 * transaction that needs more allocates the rest, and what it gives back beyond the limit goes to
 * the collector. Write transactions of one pager run one at a time, so the lock here is never
 * contended; it is there for a store shared by threads that take turns.
 */
final class NodeBufferPool {
  /** The most kept between transactions: the nodes of a transaction of about 1,500 puts. */
  static final long MAX_SPARE_BYTES = 8L << 20;

  private final int pageSize;
  private final int maxSpare;
  private final ArrayDeque<MemorySegment> spare = new ArrayDeque<>();

  NodeBufferPool(int pageSize) {
    this.pageSize = pageSize;
    this.maxSpare = (int) Math.max(1, MAX_SPARE_BYTES / pageSize);
  }

  /** A buffer of one page: a spare one, or new. Its bytes are whatever a transaction left. */
  synchronized MemorySegment take() {
    MemorySegment buffer = spare.poll();
    return buffer != null ? buffer : MemorySegment.ofArray(new byte[pageSize]);
  }

  /** Takes back buffers that nothing uses any more. */
  synchronized void give(Collection<MemorySegment> buffers) {
    for (MemorySegment buffer : buffers) {
      if (spare.size() == maxSpare) {
        return;
      }
      spare.push(buffer);
    }
  }

  /** The number of buffers kept now. */
  synchronized int spareCount() {
    return spare.size();
  }
}
