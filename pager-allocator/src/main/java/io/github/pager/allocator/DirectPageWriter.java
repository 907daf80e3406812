package io.github.pager.allocator;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A writer straight over mapped bytes: writes land in place at once, and {@link #commit()} syncs
 * the file (under {@link Durability#SYNC}; under {@link Durability#NONE} it does nothing, as the
 * pager's own commits do).
 */
final class DirectPageWriter implements PageWriter {
  private final Pager pager;
  private final MemorySegment segment;

  DirectPageWriter(Pager pager, MemorySegment segment) {
    this.pager = pager;
    this.segment = segment;
  }

  @Override
  public MemorySegment segment() {
    return segment;
  }

  @Override
  public void commit() throws IOException {
    if (pager.durability() == Durability.SYNC) {
      pager.sync();
    }
  }

  /** Nothing to discard: the bytes were written in place. */
  @Override
  public void close() {}
}
