package io.github.pager.core;

import java.util.Objects;

/**
 * How to create or open a page file. Immutable; each {@code with} method returns a changed copy.
 *
 * <pre>{@code
 * PagerOptions options = PagerOptions.defaults().withPageSize(8192).withDurability(Durability.NONE);
 * }</pre>
 */
public final class PagerOptions {
  /** The page size {@link Pager#create} uses unless told otherwise. */
  public static final int DEFAULT_PAGE_SIZE = 4096;

  /** The smallest page size: 1 KiB, room for the headers and a useful bitmap. */
  public static final int MIN_PAGE_SIZE = 1 << Format.MIN_PAGE_SIZE_LOG2;

  /** The largest page size: 64 KiB. */
  public static final int MAX_PAGE_SIZE = 1 << Format.MAX_PAGE_SIZE_LOG2;

  /** The page count of a new file unless told otherwise. */
  public static final long DEFAULT_INITIAL_PAGE_COUNT = 16;

  private static final PagerOptions DEFAULTS =
      new PagerOptions(0, Durability.SYNC, false, false, DEFAULT_INITIAL_PAGE_COUNT);

  private final int pageSize;
  private final Durability durability;
  private final boolean readOnly;
  private final boolean sparse;
  private final long initialPageCount;

  private PagerOptions(
      int pageSize, Durability durability, boolean readOnly, boolean sparse, long initialPageCount) {
    this.pageSize = pageSize;
    this.durability = durability;
    this.readOnly = readOnly;
    this.sparse = sparse;
    this.initialPageCount = initialPageCount;
  }

  /**
   * Returns the defaults: page size 4096 for new files (any for existing ones), {@link
   * Durability#SYNC}, read-write, blocks reserved on growth, 16 pages initially.
   *
   * @return the default options
   */
  public static PagerOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Sets the page size. On create, the new file's; on open, the one the file must have (a file
   * with another raises {@link PageSizeMismatchException}).
   *
   * @param pageSize a power of two from {@link #MIN_PAGE_SIZE} to {@link #MAX_PAGE_SIZE}
   * @return the changed options
   * @throws InvalidPageSizeException when the size is not such a power of two
   */
  public PagerOptions withPageSize(int pageSize) {
    if (Integer.bitCount(pageSize) != 1 || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
      throw new InvalidPageSizeException(
          "page size " + pageSize + " is not a power of two from " + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE);
    }
    return new PagerOptions(pageSize, durability, readOnly, sparse, initialPageCount);
  }

  /**
   * Sets how far a commit goes before it returns.
   *
   * @param durability the durability
   * @return the changed options
   */
  public PagerOptions withDurability(Durability durability) {
    return new PagerOptions(pageSize, Objects.requireNonNull(durability), readOnly, sparse, initialPageCount);
  }

  /**
   * Opens the file read-only: no lock is taken, several readers may share the file, and every
   * change raises {@link ReadOnlyPagerException}.
   *
   * @param readOnly true for read-only
   * @return the changed options
   */
  public PagerOptions withReadOnly(boolean readOnly) {
    return new PagerOptions(pageSize, durability, readOnly, sparse, initialPageCount);
  }

  /**
   * Skips reserving disk blocks when the file grows. Growth is then instant and the file sparse,
   * but a full disk shows up later, as a fault when a page is first written, instead of as a
   * {@link GrowFailedException} at growth. Meant for tests and for files far larger than the
   * data they hold.
   *
   * @param sparse true to leave new regions sparse
   * @return the changed options
   */
  public PagerOptions withSparse(boolean sparse) {
    return new PagerOptions(pageSize, durability, readOnly, sparse, initialPageCount);
  }

  /**
   * Sets the page count of a new file, the three reserved pages included.
   *
   * @param initialPageCount at least 4
   * @return the changed options
   */
  public PagerOptions withInitialPageCount(long initialPageCount) {
    if (initialPageCount < Format.FIRST_DATA_PAGE + 1 || initialPageCount > Format.MAX_PAGE_COUNT) {
      throw new IllegalArgumentException(
          "initial page count " + initialPageCount + " is outside [4, " + Format.MAX_PAGE_COUNT + "]");
    }
    return new PagerOptions(pageSize, durability, readOnly, sparse, initialPageCount);
  }

  /**
   * Returns the page size asked for, or 0 when none was (create then uses {@link
   * #DEFAULT_PAGE_SIZE}, open accepts the file's).
   *
   * @return the page size, or 0
   */
  public int pageSize() {
    return pageSize;
  }

  /**
   * Returns the durability of commits.
   *
   * @return the durability
   */
  public Durability durability() {
    return durability;
  }

  /**
   * Tells whether the file is opened read-only.
   *
   * @return true for read-only
   */
  public boolean readOnly() {
    return readOnly;
  }

  /**
   * Tells whether growth leaves new regions sparse.
   *
   * @return true when sparse
   */
  public boolean sparse() {
    return sparse;
  }

  /**
   * Returns the page count of a new file.
   *
   * @return the page count
   */
  public long initialPageCount() {
    return initialPageCount;
  }
}
