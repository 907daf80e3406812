package io.github.pager.kv;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes and frees overflow runs (see {@link Overflow}) inside one write transaction. A run is
 * allocated with the transaction and written at once, page by page with positional writes ({@link
 * Pager#write}) rather than stores into the mapping, for the reason {@link StagedNodes} gives: no
 * commit reaches it until the commit that publishes its cell, which syncs it first. A run never
 * changes once written, so it needs no staging.
 */
final class OverflowWriter {
  private final Pager pager;
  private final Transaction tx;

  /** One page of native memory that each page of a run passes through; made at the first run. */
  private @Nullable MemorySegment page;

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
    MemorySegment buffer = page;
    if (buffer == null) {
      buffer = Arena.ofAuto().allocate(pageSize, pageSize);
      page = buffer;
    }
    for (int i = 0; i < count; i++) {
      int offset = i * pageSize;
      int length = Math.min(pageSize, bytes.length - offset);
      if (length < pageSize) {
        buffer.fill((byte) 0); // the run's last page: no bytes of the previous page after its end
      }
      MemorySegment.copy(bytes, offset, buffer, ValueLayout.JAVA_BYTE, 0, length);
      pager.write(pager.pageId(first + i), buffer);
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
