package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Binary search within one node. Keys are ordered as unsigned bytes, then by length (a key
 * sorts after its prefixes), as {@link Arrays#compareUnsigned(byte[], byte[])} orders them.
 *
 * <p>A comparison reads the cell's inline key bytes in place ({@link MemorySegment#mismatch});
 * only a spilled key whose inline prefix equals the search key's start is finished from its
 * overflow run, which happens only for keys longer than the node's inline prefix.
 */
final class NodeSearch {
  private final NodeLayout layout;

  NodeSearch(NodeLayout layout) {
    this.layout = layout;
  }

  /**
   * Finds {@code key} in a leaf.
   *
   * @return the slot holding it, or {@code -(insertion point) - 1} when absent
   */
  int leaf(PageSource pages, MemorySegment node, SearchKey key) {
    int low = 0;
    int high = NodeLayout.count(node) - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int order = compare(pages, key, node, NodeLayout.cellAt(node, mid), true);
      if (order > 0) {
        low = mid + 1;
      } else if (order < 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  /**
   * Finds the child of a branch whose subtree holds {@code key}: the last cell whose key is at
   * most {@code key}. Cell 0 has no key and stands for everything below cell 1's.
   */
  int branch(PageSource pages, MemorySegment node, SearchKey key) {
    int low = 1;
    int high = NodeLayout.count(node) - 1;
    int found = 0;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (compare(pages, key, node, NodeLayout.cellAt(node, mid), false) >= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /** Compares {@code key} with the key of the cell at {@code cell}: negative when {@code key} is smaller. */
  int compare(PageSource pages, SearchKey key, MemorySegment node, long cell, boolean leaf) {
    int length = NodeLayout.keyLength(node, cell);
    int inline = layout.inlineKeyLength(node, cell);
    long start = cell + NodeLayout.keyAt(leaf);
    int common = Math.min(key.length(), inline);
    long mismatch = MemorySegment.mismatch(key.segment(), 0, common, node, start, start + common);
    if (mismatch >= 0) {
      return Byte.compareUnsigned(key.bytes()[(int) mismatch], node.get(ValueLayout.JAVA_BYTE, start + mismatch));
    }
    if (inline == length || key.length() <= inline) {
      return Integer.compare(key.length(), length);
    }
    byte[] rest = new byte[length - inline];
    Overflow.read(pages, layout.pageSize, layout.spillPage(node, cell, leaf), 0, rest, 0, rest.length);
    return Arrays.compareUnsigned(key.bytes(), inline, key.length(), rest, 0, rest.length);
  }
}
