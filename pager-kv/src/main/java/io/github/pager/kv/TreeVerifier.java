package io.github.pager.kv;

import io.github.pager.core.StructureInspection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Checks a whole tree as one commit left it ({@link KvStore#verify()}): walks every node from the
 * root, and reports what breaks the format or the tree's invariants, naming the page.
 *
 * <ul>
 *   <li>Ownership: every page reached (node or overflow) is reached once, and is allocated.
 *   <li>Each node: its checksum equals what its parent (or the root value) recorded; magic; the
 *       level its parent implies (so every leaf is at the same depth); header, slots and cells
 *       within the page, cells not overlapping, garbage accounted for.
 *   <li>Cells: lengths within the limits; spilled exactly when the entry does not fit inline;
 *       overflow runs whose bytes match their checksum; a branch's first cell without a key.
 *   <li>Order: keys strictly ascending in each node, and within the bounds the parent's keys set.
 *   <li>Fill: every leaf but the root at least a quarter full; every branch with two children or
 *       more; no empty root.
 *   <li>The entry count in the root values equals the entries in the leaves.
 * </ul>
 *
 * <p>A node whose checksum, magic, level or layout is wrong is reported and not descended into.
 */
final class TreeVerifier {
  /** Answers whether a page is allocated in the commit checked. */
  @FunctionalInterface
  interface Allocation {
    boolean isAllocated(long page) throws IOException;
  }

  private static final int MAX_PROBLEMS = 100;

  private final NodeLayout layout;
  private final Cells cells;
  private final PageSource pages;
  private final Allocation allocation;
  private final StructureInspection.PageVisitor labels;
  private final List<String> problems = new ArrayList<>();
  private final TreeSet<Long> seen = new TreeSet<>();
  private long entries;
  private long nodePages;
  private long overflowPages;

  TreeVerifier(Cells cells, PageSource pages, Allocation allocation, StructureInspection.PageVisitor labels) {
    this.labels = labels;
    this.layout = cells.layout();
    this.cells = cells;
    this.pages = pages;
    this.allocation = allocation;
  }

  KvVerifyReport verify(RootState root) throws IOException {
    if (root.page() != 0) {
      node(root.page(), root.height() - 1, root.crc(), null, null, true);
    }
    if (entries != root.count()) {
      problem("the root values count " + root.count() + " entries, the leaves hold " + entries);
    }
    return new KvVerifyReport(problems, entries, root.height(), nodePages, overflowPages, seen);
  }

  private void node(long page, int level, int crc, byte @Nullable [] low, byte @Nullable [] high, boolean isRoot)
      throws IOException {
    if (!claim(page, "a node")) {
      return;
    }
    nodePages++;
    labels.page(page, "node", (level == 0 ? "leaf node" : "branch node (level " + level + ")") + (isRoot ? ", the root" : ""));
    MemorySegment node = pages.page(page);
    int actual = NodeReader.checksum(node);
    if (actual != crc) {
      problem("node page " + page + " fails its checksum (recorded " + Integer.toHexString(crc) + ", computed "
          + Integer.toHexString(actual) + ")");
      return;
    }
    if (NodeLayout.magic(node) != NodeLayout.MAGIC || NodeLayout.level(node) != level) {
      problem("page " + page + " is not a node of level " + level + " (magic 0x"
          + Integer.toHexString(NodeLayout.magic(node)) + ", level " + NodeLayout.level(node) + ")");
      return;
    }
    boolean leaf = level == 0;
    int count = NodeLayout.count(node);
    if (!layoutIsSound(page, node, leaf, count)) {
      return;
    }
    byte[][] keys = new byte[count][];
    for (int i = 0; i < count; i++) {
      int cell = NodeLayout.cellAt(node, i);
      if (!cellIsCanonical(page, node, cell, i, leaf)) {
        return;
      }
      try {
        keys[i] = cells.key(pages, node, cell, leaf);
      } catch (RuntimeException e) {
        problem("node page " + page + ", cell " + i + ": key unreadable: " + e.getMessage());
        return;
      }
      if (NodeLayout.isSpilled(node, cell)) {
        overflow(page, i, node, cell, leaf);
      }
    }
    checkOrder(page, keys, leaf, low, high);
    checkFill(page, node, leaf, count, isRoot);
    if (leaf) {
      entries += count;
      return;
    }
    for (int i = 0; i < count; i++) {
      int cell = NodeLayout.cellAt(node, i);
      byte[] childLow = i == 0 ? low : keys[i];
      byte[] childHigh = i + 1 < count ? keys[i + 1] : high;
      node(NodeLayout.child(node, cell), level - 1, NodeLayout.childCrc(node, cell), childLow, childHigh, false);
    }
  }

  /** Header, slots and cells inside the page, no overlaps, garbage accounted for. */
  private boolean layoutIsSound(long page, MemorySegment node, boolean leaf, int count) {
    int contentStart = NodeLayout.contentStart(node);
    int garbage = NodeLayout.garbage(node);
    if (contentStart < NodeLayout.HEADER + NodeLayout.SLOT * count || contentStart > layout.pageSize || garbage < 0) {
      problem("node page " + page + " has an impossible header: " + count + " cells, content from " + contentStart
          + ", " + garbage + " bytes of garbage");
      return false;
    }
    long[] extents = new long[count];
    long used = 0;
    for (int i = 0; i < count; i++) {
      int cell = NodeLayout.cellAt(node, i);
      if (cell < contentStart || cell + NodeLayout.keyAt(leaf) > layout.pageSize) {
        problem("node page " + page + ", cell " + i + " at " + cell + " lies outside the cell area");
        return false;
      }
      int size = layout.cellSize(node, cell, leaf);
      if (cell + (long) size > layout.pageSize) {
        problem("node page " + page + ", cell " + i + " at " + cell + " (" + size + " bytes) runs past the page");
        return false;
      }
      extents[i] = ((long) cell << 32) | size;
      used += size;
    }
    Arrays.sort(extents);
    for (int i = 1; i < count; i++) {
      if ((extents[i - 1] >>> 32) + (extents[i - 1] & 0xFFFFFFFFL) > (extents[i] >>> 32)) {
        problem("node page " + page + " has overlapping cells at " + (extents[i - 1] >>> 32) + " and "
            + (extents[i] >>> 32));
        return false;
      }
    }
    if (used + garbage != layout.pageSize - contentStart) {
      problem("node page " + page + ": cells of " + used + " bytes and " + garbage + " of garbage do not fill the "
          + (layout.pageSize - contentStart) + " bytes of its cell area");
      return false;
    }
    return true;
  }

  /** Lengths within the limits, spilled exactly when needed, a branch's first cell keyless. */
  private boolean cellIsCanonical(long page, MemorySegment node, int cell, int index, boolean leaf) {
    int keyLength = NodeLayout.keyLength(node, cell);
    boolean spilled = NodeLayout.isSpilled(node, cell);
    String where = "node page " + page + ", cell " + index + ": ";
    if (keyLength > KvStore.MAX_KEY_LENGTH) {
      problem(where + "a key of " + keyLength + " bytes");
      return false;
    }
    if (leaf) {
      int valueLength = NodeLayout.valueLength(node, cell);
      if (valueLength < 0 || valueLength > KvStore.MAX_VALUE_LENGTH) {
        problem(where + "a value of " + valueLength + " bytes");
        return false;
      }
      if (spilled != layout.leafSpills(keyLength, valueLength)) {
        problem(where + (spilled ? "spilled, but fits inline" : "inline, but too large for a node"));
        return false;
      }
      return true;
    }
    if (index == 0 ? keyLength != 0 || spilled : keyLength == 0 || spilled != layout.branchSpills(keyLength)) {
      problem(where + "a branch cell with a key of " + keyLength + " bytes, " + (spilled ? "spilled" : "inline"));
      return false;
    }
    return true;
  }

  private void overflow(long page, int index, MemorySegment node, int cell, boolean leaf) throws IOException {
    long first = layout.spillPage(node, cell, leaf);
    int length = layout.spillLength(node, cell, leaf);
    int runPages = Overflow.pages(length, layout.pageSize);
    for (int i = 0; i < runPages; i++) {
      if (!claim(first + i, "an overflow page of node " + page)) {
        return;
      }
      overflowPages++;
      labels.page(first + i, "overflow", "overflow page " + (i + 1) + " of " + runPages + " of " + (leaf ? "an entry" : "a key")
          + " in node page " + page + ", cell " + index);
    }
    try {
      Overflow.readChecked(pages, layout.pageSize, first, length, layout.spillCrc(node, cell, leaf), 0, "");
    } catch (KvCorruptException e) {
      problem("node page " + page + ", cell " + index + ":" + e.getMessage());
    }
  }

  private void checkOrder(long page, byte[][] keys, boolean leaf, byte @Nullable [] low, byte @Nullable [] high) {
    int from = leaf ? 0 : 1; // a branch's first cell has no key: its bounds are the parent's
    for (int i = from; i < keys.length; i++) {
      if (i > from && Arrays.compareUnsigned(keys[i - 1], keys[i]) >= 0) {
        problem("node page " + page + ": keys out of order at cells " + (i - 1) + " and " + i);
      }
      if ((low != null && Arrays.compareUnsigned(keys[i], low) < 0)
          || (high != null && Arrays.compareUnsigned(keys[i], high) >= 0)) {
        problem("node page " + page + ", cell " + i + ": key outside the range its parent gives the node");
      }
    }
  }

  private void checkFill(long page, MemorySegment node, boolean leaf, int count, boolean isRoot) {
    if (leaf && count == 0 && isRoot) {
      problem("root page " + page + " is an empty leaf (an empty tree has no root)");
    } else if (leaf && !isRoot && layout.fill(node) < layout.minLeafFill) {
      problem("leaf page " + page + " is " + layout.fill(node) + " bytes full, under the least fill of "
          + layout.minLeafFill);
    } else if (!leaf && count < 2) {
      problem("branch page " + page + " has " + count + " child(ren); a branch has two or more");
    }
  }

  /** Records that the tree reaches {@code page}; false when it cannot be read or was reached already. */
  private boolean claim(long page, String what) throws IOException {
    boolean allocated;
    try {
      allocated = allocation.isAllocated(page);
    } catch (RuntimeException e) {
      problem("page " + page + " (" + what + ") is not a page the tree may use: " + e.getMessage());
      return false;
    }
    if (!seen.add(page)) {
      problem("page " + page + " is reached twice (the second time as " + what + ")");
      return false;
    }
    if (!allocated) {
      problem("page " + page + " (" + what + ") is not allocated");
    }
    return true;
  }

  private void problem(String problem) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(problem);
    }
  }
}
