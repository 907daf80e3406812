package io.github.pager.core;

import java.io.IOException;
import java.util.OptionalLong;

/**
 * One round of compaction, as a {@link PageRelocator} sees it: the transaction to move pages in,
 * the first page of the range they move out of, and where to take the pages they move into.
 */
public final class Relocation {
  private final Pager pager;
  private final Transaction transaction;
  private final long firstPage;

  Relocation(Pager pager, Transaction transaction, long firstPage) {
    this.pager = pager;
    this.transaction = transaction;
    this.firstPage = firstPage;
  }

  /**
   * Returns the transaction the moves commit with; the compaction commits it.
   *
   * @return the transaction
   */
  public Transaction transaction() {
    return transaction;
  }

  /**
   * Returns the pager being compacted.
   *
   * @return the pager
   */
  public Pager pager() {
    return pager;
  }

  /**
   * Returns the first page of the range pages move out of: every movable page at or past it.
   *
   * @return the page index
   */
  public long firstPage() {
    return firstPage;
  }

  /**
   * Allocates the lowest free page, in this transaction, when it lies below {@link #firstPage()};
   * a page moved there comes nearer the start of the file. Never grows the file.
   *
   * @return the page's index, allocated; empty when no free page is left below the range (nothing
   *     was allocated)
   * @throws IOException when the free-space tree cannot be read
   */
  public OptionalLong takePageBelow() throws IOException {
    long page = pager.txAllocateBelow(firstPage);
    return page < 0 ? OptionalLong.empty() : OptionalLong.of(page);
  }
}
