package io.github.pager.kv;

import io.github.pager.core.Pager;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The nodes one write transaction writes, held in memory until its commit writes each to its
 * page with one positional write ({@link Pager#write}): the one place that owns a transaction's
 * node buffers, and so also its record of which pages are its own (allocated in it, not reached
 * by the last commit).
 *
 * <p>Why not write the nodes into the file's mapping as they change: a node goes to a page the
 * transaction allocated, most often one an earlier commit freed and the pager synced. The sync
 * left that page clean and write-protected in the mapping, so the first store into it is a write
 * fault, in which ext4 reserves the block and dirties the page under its journal; and the next
 * sync must write-protect every page stored into again, with a TLB shootdown each. A batch of
 * 1,000 random puts writes some 1,300 nodes and paid about 1,300 faults per commit for it (the
 * module's README, "What a commit costs"). A positional write of a page from memory is a copy
 * into the page cache, and leaves no writable mapping for the sync to clean.
 *
 * <p>Reads in the transaction see a staged node ({@link #get}) rather than the page, whose bytes
 * are an old node's; a rollback drops the buffers ({@link #release}), and the file never saw
 * them. Buffers come from the store's {@link NodeBufferPool}, are reused within the transaction
 * when a node is freed, and go back to the pool once written or dropped.
 *
 * <p>Buffers are heap arrays, not native memory, on purpose: every node accessor ({@link
 * NodeLayout}) already sees two kinds of segment, mapped pages and heap cells, and a third kind
 * makes the JDK's segment access code megamorphic, so that it stops being inlined into the tree's
 * searches, readers' included (measured: out-of-line {@code VarHandleSegmentAsShorts.get} took 4 %
 * of a load's samples with native buffers, nothing with heap ones). The price is one copy of each
 * page into the channel's direct buffer when it is written.
 */
final class StagedNodes {
  private final int pageSize;
  private final NodeBufferPool pool;

  /** Page index to its buffer: every node page this transaction allocated and still holds. */
  private final Map<Long, MemorySegment> staged = new HashMap<>();

  /** Buffers of nodes freed in this transaction: back to the pool with the rest. */
  private final List<MemorySegment> dropped = new ArrayList<>();

  StagedNodes(int pageSize, NodeBufferPool pool) {
    this.pageSize = pageSize;
    this.pool = pool;
  }

  /** Tells whether {@code page} is one of this transaction's nodes. */
  boolean holds(long page) {
    return staged.containsKey(page);
  }

  /** The buffer of node {@code page}, or null when the page is not this transaction's. */
  @Nullable MemorySegment get(long page) {
    return staged.get(page);
  }

  /** Stages a node for {@code page}, just allocated, and returns its buffer, all zeros. */
  MemorySegment fresh(long page) {
    MemorySegment buffer = buffer();
    buffer.fill((byte) 0);
    return put(page, buffer);
  }

  /** Stages a node for {@code page}, just allocated, as a copy of {@code node}; returns its buffer. */
  MemorySegment copy(long page, MemorySegment node) {
    MemorySegment buffer = buffer();
    MemorySegment.copy(node, 0, buffer, 0, pageSize);
    return put(page, buffer);
  }

  /** Forgets node {@code page}, which this transaction freed; nothing is written for it. */
  void drop(long page) {
    MemorySegment buffer = staged.remove(page);
    if (buffer != null) {
      dropped.add(buffer);
    }
  }

  /**
   * Writes every staged node to its page, in page order, then releases the buffers. The pages'
   * mapped views show the new bytes at once, so reads from here on find them there; the commit's
   * sync makes them durable before the record that publishes them.
   */
  void writeTo(Pager pager) throws IOException {
    List<Map.Entry<Long, MemorySegment>> nodes = new ArrayList<>(staged.entrySet());
    nodes.sort(Map.Entry.comparingByKey());
    for (Map.Entry<Long, MemorySegment> node : nodes) {
      pager.write(pager.pageId(node.getKey()), node.getValue());
    }
    release();
  }

  /**
   * Forgets every staged node and gives the buffers back to the pool: after the nodes are
   * written, or when the transaction ends without writing them. Calling it again does nothing.
   */
  void release() {
    pool.give(staged.values());
    pool.give(dropped);
    staged.clear();
    dropped.clear();
  }

  /** The CRC32C of a staged node, computed on its buffer (heap memory: no copy needed). */
  static int checksum(MemorySegment buffer) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.asByteBuffer());
    return (int) crc.getValue();
  }

  private MemorySegment put(long page, MemorySegment buffer) {
    if (staged.putIfAbsent(page, buffer) != null) {
      throw new IllegalStateException("page " + page + " is staged twice");
    }
    return buffer;
  }

  private MemorySegment buffer() {
    return dropped.isEmpty() ? pool.take() : dropped.removeLast();
  }
}
