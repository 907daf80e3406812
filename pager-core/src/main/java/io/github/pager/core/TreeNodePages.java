package io.github.pager.core;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The pages that hold the free-space tree's nodes, as an immutable sorted array: what lets the
 * pager refuse a view of one of its own pages, and tell a tree node from a user page, without
 * reading either.
 *
 * <p>The tree has one leaf per tens of thousands of pages, so the array is short (one entry for a
 * file of up to 127 MiB with 4 KiB pages, a few thousand for a terabyte), and a lookup costs a
 * binary search over it. It is built once at open from the tree's interior nodes and replaced by
 * each commit that moves nodes.
 */
final class TreeNodePages {
  private final long[] sorted;

  private TreeNodePages(long[] sorted) {
    this.sorted = sorted;
  }

  /**
   * Collects the node pages of a tree with no uncommitted change, reading only interior nodes
   * (see {@link CopyOnWriteTree#forEachNodePage}).
   */
  static TreeNodePages of(CopyOnWriteTree tree) {
    long[][] pages = {new long[8]};
    int[] count = {0};
    tree.forEachNodePage(page -> {
      if (count[0] == pages[0].length) {
        pages[0] = Arrays.copyOf(pages[0], count[0] * 2);
      }
      pages[0][count[0]++] = page;
    });
    long[] sorted = Arrays.copyOf(pages[0], count[0]);
    Arrays.sort(sorted);
    return new TreeNodePages(sorted);
  }

  boolean contains(long page) {
    long[] pages = sorted;
    if (pages.length <= 8) {
      for (long p : pages) {
        if (p == page) {
          return true;
        }
      }
      return false;
    }
    return Arrays.binarySearch(pages, page) >= 0;
  }

  int size() {
    return sorted.length;
  }

  Set<Long> toSet() {
    Set<Long> set = new HashSet<>();
    for (long page : sorted) {
      set.add(page);
    }
    return set;
  }

  /** The set after a commit that took {@code added} pages for nodes and gave {@code removed} back. */
  TreeNodePages with(Set<Long> added, Set<Long> removed) {
    if (added.isEmpty() && removed.isEmpty()) {
      return this;
    }
    long[] result = new long[sorted.length + added.size()];
    int n = 0;
    for (long page : sorted) {
      if (!removed.contains(page)) {
        result[n++] = page;
      }
    }
    for (long page : added) {
      result[n++] = page;
    }
    result = Arrays.copyOf(result, n);
    Arrays.sort(result);
    return new TreeNodePages(result);
  }

  /**
   * A placement that passes pages through and records which pages became nodes and which stopped
   * being nodes during one commit's placement of the tree.
   */
  static final class Recorder implements CopyOnWriteTree.Placement {
    private final CopyOnWriteTree.Placement inner;
    final Set<Long> added = new HashSet<>();
    final Set<Long> removed = new HashSet<>();

    Recorder(CopyOnWriteTree.Placement inner) {
      this.inner = inner;
    }

    @Override
    public long take() throws java.io.IOException {
      long page = inner.take();
      added.add(page);
      return page;
    }

    @Override
    public void give(long page) throws java.io.IOException {
      inner.give(page);
      // A page taken and given back within the commit never became a node.
      if (!added.remove(page)) {
        removed.add(page);
      }
    }
  }
}
