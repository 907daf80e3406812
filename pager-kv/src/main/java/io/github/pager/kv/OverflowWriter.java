package io.github.pager.kv;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and frees overflow runs (see {@link Overflow}) inside one write transaction. A run is
 * allocated with the transaction and written at once: no commit reaches it until the commit that
 * publishes its cell, which syncs it first.
 */
final class OverflowWriter {
  private final Pager pager;
  private final Transaction tx;

  OverflowWriter(Pager pager, Transaction tx) {
    this.pager = pager;
    this.tx = tx;
  }

  /**
   * Writes {@code bytes} into a new run.
   *
   * @return the run's first page
   */
  long write(byte[] bytes) throws IOException {
    int pageSize = pager.pageSize();
    int count = Overflow.pages(bytes.length, pageSize);
    long first = tx.allocRun(count).index();
    for (int i = 0; i < count; i++) {
      int offset = i * pageSize;
      int length = Math.min(pageSize, bytes.length - offset);
      MemorySegment page = pager.page(pager.pageId(first + i)).segment();
      MemorySegment.copy(bytes, offset, page, ValueLayout.JAVA_BYTE, 0, length);
    }
    return first;
  }

  /** Frees the run of {@code length} bytes starting at {@code first}, in this transaction. */
  void free(long first, int length) throws IOException {
    int count = Overflow.pages(length, pager.pageSize());
    List<PageId> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(pager.pageId(first + i));
    }
    tx.freeBulk(ids);
  }
}
