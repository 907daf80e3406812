package io.github.pager.core;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Pages that are free on disk but may not be handed out yet, because the metadata copy that is
 * not active still references them.
 *
 * <p>After commit N the alternate copy is commit N-1. A page freed by commit N (a user page, or a
 * free-space tree node replaced by copy-on-write) is still in use in N-1, so overwriting it
 * during commit N+1 would leave no intact alternate to fall back to. It becomes allocatable only
 * once commit N+1 is durable, when N becomes the alternate. This class keeps the two sets, as
 * sparse per-leaf masks laid over the leaf bitmaps, so that a search can skip them word by word.
 *
 * <p>The sets live in memory only: after a reopen, pages freed by the last commit are allocatable
 * at once. That costs the fallback only during the first commit after an open, and only if the
 * active copy also becomes unreadable in that window; see FORMAT.md, "Recovery".
 */
final class PendingFrees implements CopyOnWriteTree.Exclusion {
  private final TreeGeometry geometry;

  /** Freed by the last durable commit: allocatable once the next commit is durable. */
  private NavigableMap<Long, long[]> freedByLastCommit = new TreeMap<>();

  private long lowestFreedByLastCommit = Long.MAX_VALUE;

  /** Freed by the commit in progress; dropped if it rolls back. */
  private NavigableMap<Long, long[]> freedByThisCommit = new TreeMap<>();

  private long lowestFreedByThisCommit = Long.MAX_VALUE;

  PendingFrees(TreeGeometry geometry) {
    this.geometry = geometry;
  }

  void add(long page) {
    long leaf = page / geometry.leafSlots();
    int bit = (int) (page % geometry.leafSlots());
    freedByThisCommit.computeIfAbsent(leaf, k -> new long[geometry.leafWords()])[bit >>> 6] |= 1L << bit;
    lowestFreedByThisCommit = Math.min(lowestFreedByThisCommit, page);
  }

  /** Returns the pending bits of bitmap word {@code word} of leaf {@code leaf}. */
  @Override
  public long mask(long leaf, int word) {
    long mask = 0;
    long[] a = freedByLastCommit.get(leaf);
    if (a != null) {
      mask |= a[word];
    }
    long[] b = freedByThisCommit.get(leaf);
    if (b != null) {
      mask |= b[word];
    }
    return mask;
  }

  @Override
  public long nextLeafWithAny(long fromLeaf) {
    Long a = freedByLastCommit.ceilingKey(fromLeaf);
    Long b = freedByThisCommit.ceilingKey(fromLeaf);
    if (a == null) {
      return b == null ? -1 : b;
    }
    return b == null ? a : Math.min(a, b);
  }

  @Override
  public boolean hasAny(long leaf) {
    return freedByLastCommit.containsKey(leaf) || freedByThisCommit.containsKey(leaf);
  }

  /**
   * Records that the commit in progress is durable: what the last commit freed is released.
   *
   * @return the lowest released page, or {@link Long#MAX_VALUE} when none
   */
  long commitDurable() {
    long released = lowestFreedByLastCommit;
    freedByLastCommit = freedByThisCommit;
    lowestFreedByLastCommit = lowestFreedByThisCommit;
    freedByThisCommit = new TreeMap<>();
    lowestFreedByThisCommit = Long.MAX_VALUE;
    return released;
  }

  /** Forgets what the commit in progress freed: it rolled back, so those pages are in use again. */
  void rollback() {
    freedByThisCommit = new TreeMap<>();
    lowestFreedByThisCommit = Long.MAX_VALUE;
  }
}
