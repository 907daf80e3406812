package io.github.pager.core;

import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * How {@link Snapshot#copyTo} and {@link Pager#copyTo} write a copy. Immutable; each {@code with}
 * method returns a changed copy.
 *
 * <pre>{@code
 * CopyOptions options = CopyOptions.defaults().withTrimFreeTail(true).withSparse(true);
 * }</pre>
 */
public final class CopyOptions {
  private static final DoubleConsumer NO_PROGRESS = fraction -> {};
  private static final CopyOptions DEFAULTS = new CopyOptions(false, false, NO_PROGRESS);

  private final boolean trimFreeTail;
  private final boolean sparse;
  private final DoubleConsumer progress;

  private CopyOptions(boolean trimFreeTail, boolean sparse, DoubleConsumer progress) {
    this.trimFreeTail = trimFreeTail;
    this.sparse = sparse;
    this.progress = progress;
  }

  /**
   * Returns the defaults: the copy has the snapshot's page count, its free pages are written as
   * zeros (so that, like a file a non-sparse pager grew, every page has its disk blocks), and no
   * progress is reported.
   *
   * @return the default options
   */
  public static CopyOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Leaves out the free pages at the end of the file: the copy ends after the highest page in use
   * (and never has fewer than four pages). Its metadata counts that many pages; the free-space
   * tree needs no change, since every page past the highest one in use is already free in it.
   *
   * @param trimFreeTail true to trim
   * @return the changed options
   */
  public CopyOptions withTrimFreeTail(boolean trimFreeTail) {
    return new CopyOptions(trimFreeTail, sparse, progress);
  }

  /**
   * Skips free pages instead of writing them as zeros: they become holes in the copy, which
   * occupies only the blocks of its pages in use. A pager that later writes into a hole needs a
   * block then, and a full disk fails that write, as it does for a file created sparse.
   *
   * @param sparse true to leave holes
   * @return the changed options
   */
  public CopyOptions withSparse(boolean sparse) {
    return new CopyOptions(trimFreeTail, sparse, progress);
  }

  /**
   * Sets what is told how far the copy got: a fraction from 0 to 1 of the snapshot's pages,
   * reported about once per MiB written, on the copying thread.
   *
   * @param progress the receiver
   * @return the changed options
   */
  public CopyOptions withProgress(DoubleConsumer progress) {
    return new CopyOptions(trimFreeTail, sparse, Objects.requireNonNull(progress));
  }

  /**
   * Tells whether the free pages at the end are left out.
   *
   * @return true when trimmed
   */
  public boolean trimFreeTail() {
    return trimFreeTail;
  }

  /**
   * Tells whether free pages are left as holes rather than written as zeros.
   *
   * @return true for holes
   */
  public boolean sparse() {
    return sparse;
  }

  /**
   * Returns the progress receiver.
   *
   * @return the receiver; one that does nothing unless set
   */
  public DoubleConsumer progress() {
    return progress;
  }

  @Override
  public String toString() {
    return "CopyOptions[trimFreeTail=" + trimFreeTail + ", sparse=" + sparse + "]";
  }
}
