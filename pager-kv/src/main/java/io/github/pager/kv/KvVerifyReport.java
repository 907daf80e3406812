package io.github.pager.kv;

import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What {@link KvStore#verify()} found: the problems (none when the tree is sound), what the tree
 * holds, and every page it reaches, so that a caller that knows the pager's other structures can
 * check that no allocated page is left unreached.
 */
public final class KvVerifyReport {
  private final List<String> problems;
  private final long entries;
  private final int height;
  private final long nodePages;
  private final long overflowPages;
  private final SortedSet<Long> pages;

  KvVerifyReport(
      List<String> problems, long entries, int height, long nodePages, long overflowPages, SortedSet<Long> pages) {
    this.problems = List.copyOf(problems);
    this.entries = entries;
    this.height = height;
    this.nodePages = nodePages;
    this.overflowPages = overflowPages;
    this.pages = Collections.unmodifiableSortedSet(new TreeSet<>(pages));
  }

  /**
   * Tells whether no problem was found.
   *
   * @return true when the tree is sound
   */
  public boolean isClean() {
    return problems.isEmpty();
  }

  /**
   * Returns the problems found, each naming the page concerned; at most 100.
   *
   * @return the problems, empty when clean
   */
  public List<String> problems() {
    return problems;
  }

  /**
   * Returns the entries counted in the leaves.
   *
   * @return the count
   */
  public long entries() {
    return entries;
  }

  /**
   * Returns the tree's height: 0 when empty, 1 when the root is a leaf.
   *
   * @return the height
   */
  public int height() {
    return height;
  }

  /**
   * Returns how many node pages the tree has.
   *
   * @return the count
   */
  public long nodePages() {
    return nodePages;
  }

  /**
   * Returns how many overflow pages the tree's cells own.
   *
   * @return the count
   */
  public long overflowPages() {
    return overflowPages;
  }

  /**
   * Returns every page the store reaches: its nodes and overflow pages.
   *
   * @return the page indexes, ascending
   */
  public SortedSet<Long> pages() {
    return pages;
  }

  @Override
  public String toString() {
    return "KvVerifyReport[" + (isClean() ? "clean" : problems.size() + " problem(s): " + problems) + ", " + entries
        + " entries, height " + height + ", " + nodePages + " node pages, " + overflowPages + " overflow pages]";
  }
}
