package io.github.pager.testkit;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The model of a pager that a crash must preserve: which pages are allocated, the root values,
 * and a stamp (a 64-bit value at offset 0) per page the workload wrote.
 *
 * <p>Immutable; each {@code with} method returns a changed copy. Files are small in crash
 * tests, so copying is cheap.
 */
public final class PagerState {
  private static final PagerState EMPTY =
      new PagerState(new TreeSet<>(), new long[Transaction.ROOT_SLOTS], new TreeMap<>());

  private final NavigableSet<Long> allocated;
  private final long[] roots;
  private final NavigableMap<Long, Long> stamps;

  private PagerState(NavigableSet<Long> allocated, long[] roots, NavigableMap<Long, Long> stamps) {
    this.allocated = Collections.unmodifiableNavigableSet(allocated);
    this.roots = roots;
    this.stamps = Collections.unmodifiableNavigableMap(stamps);
  }

  /**
   * Returns the state of a new page file: nothing allocated, every root zero.
   *
   * @return the empty state
   */
  public static PagerState empty() {
    return EMPTY;
  }

  /**
   * Reads a pager's allocation and roots as of its last commit (stamps are not read: only the
   * workload knows which pages carry one).
   *
   * @param pager an open pager
   * @return its state, without stamps
   * @throws IOException when the free-space tree cannot be read
   */
  public static PagerState read(Pager pager) throws IOException {
    TreeSet<Long> allocated = new TreeSet<>();
    pager.forEachAllocated(id -> allocated.add(id.index()));
    long[] roots = new long[Transaction.ROOT_SLOTS];
    for (int i = 0; i < roots.length; i++) {
      roots[i] = pager.root(i);
    }
    return new PagerState(allocated, roots, new TreeMap<>());
  }

  /**
   * Returns this state with more pages allocated.
   *
   * @param pages page indexes
   * @return the changed state
   */
  public PagerState withAllocated(long... pages) {
    TreeSet<Long> next = new TreeSet<>(allocated);
    for (long page : pages) {
      if (!next.add(page)) {
        throw new IllegalArgumentException("page " + page + " is already allocated in the model");
      }
    }
    return new PagerState(next, roots, new TreeMap<>(stamps));
  }

  /**
   * Returns this state with pages freed; their stamps are forgotten.
   *
   * @param pages page indexes
   * @return the changed state
   */
  public PagerState withFreed(long... pages) {
    TreeSet<Long> next = new TreeSet<>(allocated);
    TreeMap<Long, Long> nextStamps = new TreeMap<>(stamps);
    for (long page : pages) {
      if (!next.remove(page)) {
        throw new IllegalArgumentException("page " + page + " is not allocated in the model");
      }
      nextStamps.remove(page);
    }
    return new PagerState(next, roots, nextStamps);
  }

  /**
   * Returns this state with a root value changed.
   *
   * @param slot from 0 to {@link Transaction#ROOT_SLOTS} - 1
   * @param value the value
   * @return the changed state
   */
  public PagerState withRoot(int slot, long value) {
    long[] next = roots.clone();
    next[slot] = value;
    return new PagerState(new TreeSet<>(allocated), next, new TreeMap<>(stamps));
  }

  /**
   * Returns this state with a page's stamp: the 64-bit value the workload stored at offset 0.
   *
   * @param page an allocated page's index
   * @param value the value
   * @return the changed state
   */
  public PagerState withStamp(long page, long value) {
    if (!allocated.contains(page)) {
      throw new IllegalArgumentException("page " + page + " is not allocated in the model");
    }
    TreeMap<Long, Long> next = new TreeMap<>(stamps);
    next.put(page, value);
    return new PagerState(new TreeSet<>(allocated), roots, next);
  }

  /**
   * Stores a stamp into a page and returns the state that records it.
   *
   * @param pager the pager
   * @param id the page
   * @param value the value to store at offset 0
   * @return the changed state
   */
  public PagerState stamp(Pager pager, PageId id, long value) {
    pager.page(id).putLong(0, value);
    return withStamp(id.index(), value);
  }

  /**
   * Returns the allocated page indexes, increasing.
   *
   * @return an unmodifiable set
   */
  public NavigableSet<Long> allocated() {
    return allocated;
  }

  /**
   * Returns a root value.
   *
   * @param slot the slot
   * @return the value
   */
  public long root(int slot) {
    return roots[slot];
  }

  /**
   * Returns every page's stamp.
   *
   * @return an unmodifiable map from page index to value
   */
  public Map<Long, Long> stamps() {
    return stamps;
  }

  /**
   * Tells whether two states agree on allocation and roots (stamps aside).
   *
   * @param other the other state
   * @return true when they agree
   */
  public boolean sameAllocation(@Nullable PagerState other) {
    return other != null && allocated.equals(other.allocated) && Arrays.equals(roots, other.roots);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof PagerState that && sameAllocation(that) && stamps.equals(that.stamps);
  }

  @Override
  public int hashCode() {
    return allocated.hashCode() * 31 + Arrays.hashCode(roots) * 17 + stamps.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("PagerState[allocated=").append(allocated).append(", roots={");
    boolean first = true;
    for (int i = 0; i < roots.length; i++) {
      if (roots[i] != 0) {
        text.append(first ? "" : ", ").append(i).append('=').append(roots[i]);
        first = false;
      }
    }
    return text.append("}, stamped pages=").append(stamps.keySet()).append(']').toString();
  }
}
