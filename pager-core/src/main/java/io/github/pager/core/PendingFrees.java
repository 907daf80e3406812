package io.github.pager.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Pages that are free on disk but may not be handed out yet, and the one rule that decides when
 * they may: <b>a page freed by commit N is handed out again only once commit N + 1 is durable and
 * no open snapshot and no registered reader is older than N</b> (FORMAT.md, "Pending pages").
 *
 * <p>The first half protects the alternate metadata copy: after commit N + 1 the alternate is
 * N, which no longer reaches the page, so the fallback stays intact. The second half protects
 * readers: a snapshot or a reader (in any process) of generation G reaches every page in use at
 * G, and a page freed by commit N was in use at every generation before N. The pager passes the
 * oldest of them as {@code oldestPinned}.
 *
 * <p>Pages are kept as sparse per-leaf masks laid over the leaf bitmaps, so that a search can skip
 * them word by word: one union of everything pending (the sets of different commits are disjoint,
 * since a pending page cannot be allocated, so cannot be freed again), one set per freeing commit
 * for release, and the set of the commit in progress, which a rollback drops.
 *
 * <p>The sets are also kept in the file, in the {@link PendingList} each commit writes: a reopen
 * {@link #load loads} them back, so the rule holds across a reopen too.
 */
final class PendingFrees implements CopyOnWriteTree.Exclusion {
  private final TreeGeometry geometry;

  /** Everything freed by durable commits and not yet released: leaf → bitmap words. */
  private final NavigableMap<Long, long[]> union = new TreeMap<>();

  /** The same pages by the generation of the commit that freed them. */
  private final NavigableMap<Long, NavigableMap<Long, long[]>> byGeneration = new TreeMap<>();

  /** Freed by the commit in progress; dropped if it rolls back. */
  private NavigableMap<Long, long[]> freedByThisCommit = new TreeMap<>();

  PendingFrees(TreeGeometry geometry) {
    this.geometry = geometry;
  }

  void add(long page) {
    long leaf = page / geometry.leafSlots();
    int bit = (int) (page % geometry.leafSlots());
    freedByThisCommit.computeIfAbsent(leaf, k -> new long[geometry.leafWords()])[bit >>> 6] |= 1L << bit;
  }

  /**
   * Takes back the pending pages a reopened file's list names: each is pending for the commit
   * that freed it, as before the reopen. Called once, before any other change.
   */
  void load(List<PendingList.Run> runs) {
    for (PendingList.Run run : runs) {
      NavigableMap<Long, long[]> freed = byGeneration.computeIfAbsent(run.freedBy(), g -> new TreeMap<>());
      for (long page = run.first(); page < run.first() + run.length(); page++) {
        long leaf = page / geometry.leafSlots();
        int bit = (int) (page % geometry.leafSlots());
        freed.computeIfAbsent(leaf, k -> new long[geometry.leafWords()])[bit >>> 6] |= 1L << bit;
        union.computeIfAbsent(leaf, k -> new long[geometry.leafWords()])[bit >>> 6] |= 1L << bit;
      }
    }
  }

  /**
   * Tells whether the commit in progress freed a page (the chain pages it cut count: see {@link
   * PendingListUpdate}). One that frees nothing has nothing new to list, and leaves the chain as
   * it is.
   */
  boolean freesThisCommit() {
    return !freedByThisCommit.isEmpty();
  }

  /**
   * The generation through which the reuse rule releases pages once commit {@code
   * durableGeneration} is durable, with the oldest snapshot or registered reader at {@code
   * oldestPinned}: a page freed by commit N is reusable when N + 1 is at or below {@code
   * durableGeneration} and N at or below {@code oldestPinned}, so when N is at or below the
   * result. The rule, in one place; the pending list records the result too.
   */
  static long releasedThrough(long durableGeneration, long oldestPinned) {
    return Math.min(durableGeneration - 1, oldestPinned);
  }

  /**
   * The pages the commit in progress frees, as runs freed by {@code thisCommit}, by page, each run
   * as long as it can be: what the pending list adds for this commit.
   */
  List<PendingList.Run> runsFreedByThisCommit(long thisCommit) {
    List<PendingList.Run> runs = new ArrayList<>();
    addRuns(runs, thisCommit, freedByThisCommit);
    return runs;
  }

  private void addRuns(List<PendingList.Run> runs, long generation, NavigableMap<Long, long[]> leaves) {
    long first = -1;
    long length = 0;
    for (Map.Entry<Long, long[]> leaf : leaves.entrySet()) {
      long[] words = leaf.getValue();
      for (int w = 0; w < words.length; w++) {
        long word = words[w];
        while (word != 0) {
          long page = leaf.getKey() * geometry.leafSlots() + 64L * w + Long.numberOfTrailingZeros(word);
          word &= word - 1;
          if (first >= 0 && page == first + length) {
            length++;
          } else {
            if (first >= 0) {
              runs.add(new PendingList.Run(generation, first, length));
            }
            first = page;
            length = 1;
          }
        }
      }
    }
    if (first >= 0) {
      runs.add(new PendingList.Run(generation, first, length));
    }
  }

  /** Returns the pending bits of bitmap word {@code word} of leaf {@code leaf}. */
  @Override
  public long mask(long leaf, int word) {
    long mask = 0;
    long[] a = union.get(leaf);
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
    Long a = union.ceilingKey(fromLeaf);
    Long b = freedByThisCommit.ceilingKey(fromLeaf);
    if (a == null) {
      return b == null ? -1 : b;
    }
    return b == null ? a : Math.min(a, b);
  }

  @Override
  public boolean hasAny(long leaf) {
    return union.containsKey(leaf) || freedByThisCommit.containsKey(leaf);
  }

  /**
   * Records that the commit in progress is durable with {@code generation}, and releases what
   * the rule allows.
   *
   * @param oldestPinned the generation of the oldest open snapshot or registered reader, or {@link
   *     Long#MAX_VALUE}
   * @return the lowest released page, or {@link Long#MAX_VALUE} when none
   */
  long commitDurable(long generation, long oldestPinned) {
    if (!freedByThisCommit.isEmpty()) {
      byGeneration.put(generation, freedByThisCommit);
      for (Map.Entry<Long, long[]> leaf : freedByThisCommit.entrySet()) {
        long[] words = union.computeIfAbsent(leaf.getKey(), k -> new long[geometry.leafWords()]);
        long[] freed = leaf.getValue();
        for (int w = 0; w < words.length; w++) {
          words[w] |= freed[w];
        }
      }
    }
    freedByThisCommit = new TreeMap<>();
    return release(generation, oldestPinned);
  }

  /**
   * Releases the pages of every commit N with N + 1 at or below {@code durableGeneration} and no
   * snapshot or registered reader older than N: the reuse rule, in one place.
   *
   * @return the lowest released page, or {@link Long#MAX_VALUE} when none
   */
  long release(long durableGeneration, long oldestPinned) {
    long through = releasedThrough(durableGeneration, oldestPinned);
    long lowest = Long.MAX_VALUE;
    for (Iterator<Map.Entry<Long, NavigableMap<Long, long[]>>> it = byGeneration.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, NavigableMap<Long, long[]>> freed = it.next();
      long freedBy = freed.getKey();
      if (freedBy > through) {
        break; // generations only grow from here
      }
      for (Map.Entry<Long, long[]> leaf : freed.getValue().entrySet()) {
        long[] words = union.get(leaf.getKey());
        if (words == null) {
          throw new IllegalStateException("pending pages of leaf " + leaf.getKey() + " missing from the union");
        }
        long[] released = leaf.getValue();
        for (int w = 0; w < released.length; w++) {
          if (released[w] != 0) {
            words[w] &= ~released[w];
            lowest = Math.min(lowest, leaf.getKey() * geometry.leafSlots() + 64L * w
                + Long.numberOfTrailingZeros(released[w]));
          }
        }
        if (isZero(words)) {
          union.remove(leaf.getKey());
        }
      }
      it.remove();
    }
    return lowest;
  }

  /**
   * Pages that the first half of the rule alone would release: freed by a commit N with N + 1 at
   * or below {@code durableGeneration}, but held for a snapshot or reader older than N.
   */
  long heldForSnapshots(long durableGeneration) {
    long held = 0;
    for (Map.Entry<Long, NavigableMap<Long, long[]>> freed : byGeneration.headMap(durableGeneration, false).entrySet()) {
      for (long[] words : freed.getValue().values()) {
        for (long word : words) {
          held += Long.bitCount(word);
        }
      }
    }
    return held;
  }

  /** Forgets what the commit in progress freed: it rolled back, so those pages are in use again. */
  void rollback() {
    freedByThisCommit = new TreeMap<>();
  }

  private static boolean isZero(long[] words) {
    for (long word : words) {
      if (word != 0) {
        return false;
      }
    }
    return true;
  }
}
