package io.github.pager.testkit;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a crash must preserve of a file holding sub-pages and regular pages: the regular pages,
 * the handed-out sub-pages with the stamp each was last written with, and, once acknowledged, the
 * generation of the commit that made it durable.
 *
 * <p>The generation tells a recovered file's commit apart from the one before it even when both
 * hand out the same values, as a transaction that frees a sub-page and allocates one again may.
 *
 * @param regular regular page indexes allocated
 * @param subs sub-page value to its stamp
 * @param generation the pager's generation when this state was acknowledged; {@link #UNKNOWN}
 *     for a state in flight
 */
record SubPageState(NavigableSet<Long> regular, NavigableMap<Long, Stamp> subs, long generation) {
  static final long UNKNOWN = -1;

  static final SubPageState EMPTY = new SubPageState(new TreeSet<>(), new TreeMap<>(), UNKNOWN);

  SubPageState {
    regular = Collections.unmodifiableNavigableSet(new TreeSet<>(regular));
    subs = Collections.unmodifiableNavigableMap(new TreeMap<>(subs));
  }

  /**
   * Which allocation of a sub-page value wrote what: {@code life} numbers the allocation (a value
   * freed and handed out again starts a new life), {@code version} numbers the write, and 0 means
   * not written yet, when the sub-page may hold anything.
   */
  record Stamp(long life, long version) {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    boolean written() {
      return version != 0;
    }

    /** Fills the whole sub-page: life and version in the first two words, then a pattern of all three. */
    void writeTo(MemorySegment bytes, long value) {
      bytes.set(LONG, 0, life);
      bytes.set(LONG, 8, version);
      for (long offset = 16; offset < bytes.byteSize(); offset += 8) {
        bytes.set(LONG, offset, pattern(value, offset));
      }
    }

    boolean isIn(MemorySegment bytes, long value) {
      if (bytes.get(LONG, 0) != life || bytes.get(LONG, 8) != version) {
        return false;
      }
      for (long offset = 16; offset < bytes.byteSize(); offset += 8) {
        if (bytes.get(LONG, offset) != pattern(value, offset)) {
          return false;
        }
      }
      return true;
    }

    private long pattern(long value, long offset) {
      long x = value * 0x9E3779B97F4A7C15L ^ life * 0xC2B2AE3D27D4EB4FL ^ version * 0x165667B19E3779F9L ^ offset;
      x ^= x >>> 31;
      x *= 0xBF58476D1CE4E5B9L;
      return x ^ (x >>> 29);
    }

    /** What a sub-page's bytes look like, for a violation's message. */
    static String describe(MemorySegment bytes, long value) {
      Stamp claimed = new Stamp(bytes.get(LONG, 0), bytes.get(LONG, 8));
      return claimed.isIn(bytes, value) ? claimed.toString() : "bytes no stamp of value " + value + " wrote";
    }
  }

  /** This state with {@code removed} gone and {@code put} (re)stamped, in that order. */
  SubPageState withSubs(Collection<Long> removed, Map<Long, Stamp> put) {
    TreeMap<Long, Stamp> next = new TreeMap<>(subs);
    removed.forEach(next::remove);
    next.putAll(put);
    return new SubPageState(regular, next, UNKNOWN);
  }

  SubPageState withRegular(List<Long> added, List<Long> removed) {
    TreeSet<Long> next = new TreeSet<>(regular);
    next.removeAll(removed);
    next.addAll(added);
    return new SubPageState(next, subs, UNKNOWN);
  }

  /** This state as acknowledged by the commit of {@code generation}. */
  SubPageState at(long generation) {
    return new SubPageState(regular, subs, generation);
  }

  /** Whether the pages and sub-page values handed out are the same; stamps and generation aside. */
  boolean sameAllocation(NavigableSet<Long> otherRegular, NavigableSet<Long> otherSubs) {
    return regular.equals(otherRegular) && subs.navigableKeySet().equals(otherSubs);
  }

  @Override
  public String toString() {
    return "{regular " + ranges(regular) + " | subs " + subs + (generation == UNKNOWN ? "" : " | generation " + generation) + "}";
  }

  /** Runs of consecutive values as {@code a-b}: a height-2 workload holds hundreds of regular pages. */
  static String ranges(NavigableSet<Long> values) {
    StringBuilder text = new StringBuilder("[");
    long start = -2;
    long last = -2;
    for (long value : values) {
      if (value != last + 1) {
        run(text, start, last);
        start = value;
      }
      last = value;
    }
    run(text, start, last);
    return text.append(']').toString();
  }

  private static void run(StringBuilder text, long start, long last) {
    if (start < 0) {
      return;
    }
    if (text.length() > 1) {
      text.append(", ");
    }
    text.append(start).append(start == last ? "" : "-" + last);
  }
}
