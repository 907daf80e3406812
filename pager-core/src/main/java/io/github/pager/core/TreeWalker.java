package io.github.pager.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.DoubleConsumer;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Visits a whole {@link CopyOnWriteTree} in bit order: to list its set bits, to list the pages its
 * nodes occupy, or to check every node (checksum, header, FULL and EMPTY flags, no bit set at or
 * past the limit). Costs time proportional to the tree and memory proportional to its node count.
 *
 * <p>A check reports a node that fails its checks as a problem and goes on with the rest of the
 * tree; what lies under that node is unknown from then on, and {@link #isKnownClear} says so,
 * so that a caller asking about single bits after the check does not trip over the same node.
 */
final class TreeWalker {
  private final CopyOnWriteTree bits;
  private final TreeGeometry geometry;
  private final long limit;
  private final List<String> problems = new ArrayList<>();
  private final Set<Long> nodePages = new HashSet<>();

  /** Bit ranges [key, value) under nodes the check could not read: their bits are unknown. */
  private final NavigableMap<Long, Long> unreadable = new TreeMap<>();

  private long setBits;
  private DoubleConsumer progress = fraction -> {};

  /**
   * @param bits the tree
   * @param limit bits at or past it must be clear (the page count, for the free-space tree)
   */
  TreeWalker(CopyOnWriteTree bits, long limit) {
    this.bits = bits;
    this.geometry = bits.geometry();
    this.limit = limit;
  }

  /** Reports, after each leaf {@link #check()} visits, the fraction of the tree done so far. */
  TreeWalker withProgress(DoubleConsumer progress) {
    this.progress = progress;
    return this;
  }

  /** Checks every node; afterwards {@link #problems()}, {@link #setBits()} and {@link #nodePages()} tell. */
  TreeWalker check() throws IOException {
    if (bits.rootPage() != 0) {
      nodePages.add(bits.rootPage());
    }
    long[] root;
    try {
      root = bits.rootWords();
    } catch (CorruptMetadataException corrupt) {
      problems.add(corrupt.getMessage());
      unreadable.put(0L, Long.MAX_VALUE);
      return this;
    }
    checkNode(bits.height() - 1, 0, root);
    return this;
  }

  /**
   * Tells whether {@link #check()} found {@code bit} clear. A bit under a node the check could not
   * read is not known to be clear (that node is already a problem), and is not read again.
   */
  boolean isKnownClear(long bit) throws IOException {
    return !isUnknown(bit) && !bits.isSet(bit);
  }

  /** Tells whether {@link #check()} found {@code bit} set; a bit it could not read is not. */
  boolean isKnownSet(long bit) throws IOException {
    return !isUnknown(bit) && bits.isSet(bit);
  }

  private boolean isUnknown(long bit) {
    Map.Entry<Long, Long> range = unreadable.floorEntry(bit);
    return range != null && bit < range.getValue();
  }

  List<String> problems() {
    return problems;
  }

  long setBits() {
    return setBits;
  }

  Set<Long> nodePages() {
    return nodePages;
  }

  /** Calls {@code action} with every set bit below the limit, in increasing order. */
  void forEachSetBit(LongConsumer action) throws IOException {
    visitLeaves(bits.height() - 1, 0, bits.rootWords(), action);
  }

  /** Collects the pages of every node without checking them further than reading needs. */
  Set<Long> collectNodePages() throws IOException {
    if (bits.rootPage() != 0) {
      nodePages.add(bits.rootPage());
    }
    collect(bits.height() - 1, 0, bits.rootWords());
    return nodePages;
  }

  private record Shape(boolean full, boolean empty) {}

  private Shape checkNode(int level, long index, long @Nullable [] words) throws IOException {
    long start = index * geometry.span(level);
    if (words == null) {
      return new Shape(false, true);
    }
    if (level == 0) {
      boolean full = true;
      boolean empty = true;
      for (int w = 0; w < geometry.leafWords(); w++) {
        long word = words[2 + w];
        full &= word == -1L;
        empty &= word == 0;
        if (geometry.recordSize() != 0) {
          continue; // records, not bits: no bit limit to check, no bits to count
        }
        long wordStart = start + 64L * w;
        long valid = Math.max(0, Math.min(64, limit - wordStart));
        long mask = valid == 64 ? -1L : (1L << valid) - 1;
        if ((word & ~mask) != 0) {
          problems.add("a bit at or beyond " + limit + ", near " + wordStart + ", is set");
        }
        setBits += Long.bitCount(word & mask);
      }
      progress.accept(Math.min(1.0, (double) (start + geometry.leafSlots()) / limit));
      return new Shape(full, empty);
    }
    boolean full = true;
    boolean empty = true;
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      long childPage = words[CopyOnWriteTree.entryChild(e)];
      int flags = CopyOnWriteTree.entryFlags(words, e);
      String where = "tree node (level " + level + ", index " + index + ") entry " + e;
      if (childPage == 0) {
        if (words[CopyOnWriteTree.entryMeta(e)] != 0) {
          problems.add(where + " names no child but is not zero");
        }
        full = false;
        continue;
      }
      if (!nodePages.add(childPage)) {
        problems.add("page " + childPage + " is used by two tree nodes");
      }
      long[] child;
      try {
        child = bits.child(level - 1, childIndex, words, e);
      } catch (CorruptMetadataException corrupt) {
        problems.add(corrupt.getMessage());
        long childStart = childIndex * geometry.span(level - 1);
        unreadable.put(childStart, CopyOnWriteTree.saturatedAdd(childStart, geometry.span(level - 1)));
        full = false;
        empty = false;
        continue;
      }
      Shape shape = checkNode(level - 1, childIndex, child);
      if (shape.full() != ((flags & Format.FLAG_FULL) != 0)) {
        problems.add(where + " says FULL=" + !shape.full() + " but the child is " + (shape.full() ? "full" : "not full"));
      }
      if (shape.empty() != ((flags & Format.FLAG_EMPTY) != 0)) {
        problems.add(where + " says EMPTY=" + !shape.empty() + " but the child is " + (shape.empty() ? "empty" : "not empty"));
      }
      if ((flags & ~(Format.FLAG_FULL | Format.FLAG_EMPTY)) != 0) {
        problems.add(where + " has unknown flags " + Integer.toHexString(flags));
      }
      full &= shape.full();
      empty &= shape.empty();
    }
    return new Shape(full, empty);
  }

  private void collect(int level, long index, long @Nullable [] words) throws IOException {
    if (words == null || level == 0) {
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long childPage = words[CopyOnWriteTree.entryChild(e)];
      if (childPage == 0) {
        continue;
      }
      nodePages.add(childPage);
      long childIndex = index * geometry.fanout() + e;
      if (level > 1) {
        collect(level - 1, childIndex, bits.child(level - 1, childIndex, words, e));
      }
    }
  }

  private void visitLeaves(int level, long index, long @Nullable [] words, LongConsumer action) throws IOException {
    if (words == null) {
      return;
    }
    if (level == 0) {
      long leafStart = index * geometry.leafSlots();
      for (int w = 0; w < geometry.leafWords(); w++) {
        long word = words[2 + w];
        while (word != 0) {
          long bit = leafStart + 64L * w + Long.numberOfTrailingZeros(word);
          word &= word - 1;
          if (bit < limit) {
            action.accept(bit);
          }
        }
      }
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      if (childIndex * geometry.span(level - 1) >= limit) {
        break;
      }
      if ((CopyOnWriteTree.entryFlags(words, e) & Format.FLAG_EMPTY) != 0) {
        continue;
      }
      visitLeaves(level - 1, childIndex, bits.child(level - 1, childIndex, words, e), action);
    }
  }

}
