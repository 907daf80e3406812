package io.github.pager.protectedpages;

import io.github.pager.allocator.PageWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A write to one protected page, staged in its inactive copy and made the active copy, atomically
 * and durably, by {@link #commit()}; closing the writer without committing leaves the page as it
 * was.
 *
 * <p>The staging copy starts as the page's committed content, so a write that changes a few
 * bytes leaves the others as they were. A writer is a {@link ProtectedTransaction} of one page:
 * it holds the pager's writer lock until closed, so writers are serialized, and it must be closed
 * by the thread that opened it.
 *
 * <pre>{@code
 * try (ProtectedPageWriter writer = pages.write(id)) {
 *   writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 42L);
 *   writer.commit();                    // two syncs, one metadata record
 * }
 * }</pre>
 */
public final class ProtectedPageWriter implements PageWriter {
  private final ProtectedTransaction transaction;
  private final ProtectedPageId id;
  private final MemorySegment segment;

  ProtectedPageWriter(ProtectedTransaction transaction, ProtectedPageId id) throws IOException {
    this.transaction = transaction;
    this.id = id;
    this.segment = transaction.write(id);
  }

  /**
   * Returns the page being written.
   *
   * @return its id
   */
  public ProtectedPageId id() {
    return id;
  }

  /**
   * Returns the staging copy: the page's committed content, in memory, to change in place; the
   * commit writes it into the page's inactive copy. Writes after the writer is committed or
   * closed go nowhere.
   *
   * @return a writable segment of one page
   */
  @Override
  public MemorySegment segment() {
    return segment;
  }

  /**
   * Makes the staged content the page's committed version, durably, with one metadata record;
   * readers see it once this returns.
   *
   * @throws io.github.pager.core.PagerUnavailableException when a sync failed; the pager refuses
   *     further work
   * @throws IOException when the commit fails otherwise; the page is unchanged
   */
  @Override
  public void commit() throws IOException {
    transaction.commit();
  }

  /** Ends the write, discarding it unless committed, and releases the writer lock. */
  @Override
  public void close() {
    transaction.close();
  }
}
