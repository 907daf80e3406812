package io.github.pager.core;

import org.jspecify.annotations.Nullable;

/**
 * A handle to one page of one pager: its index in the file, and which opened pager made it.
 *
 * <p>A handle only works with the pager that made it; passing it to another pager (another
 * file, or a later opening of the same file) raises {@link ForeignPageException}. To keep a page
 * across openings, store its {@link #index()} and turn it back into a handle with {@link
 * Pager#pageId(long)}.
 */
public final class PageId implements Comparable<PageId> {
  private final long index;
  private final Pager owner;

  PageId(long index, Pager owner) {
    this.index = index;
    this.owner = owner;
  }

  /**
   * Returns the page's index in the file: page {@code i} starts at byte {@code i * pageSize}.
   *
   * @return the index, 3 or more for a user page
   */
  public long index() {
    return index;
  }

  boolean belongsTo(Pager candidate) {
    return owner == candidate;
  }

  /** Orders handles by index. */
  @Override
  public int compareTo(PageId other) {
    return Long.compare(index, other.index);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof PageId that && that.index == index && that.owner == owner;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + System.identityHashCode(owner);
  }

  @Override
  public String toString() {
    return "PageId[" + index + "]";
  }
}
