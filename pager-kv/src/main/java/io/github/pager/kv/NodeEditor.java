package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes a node in place: inserts and removes cells in its slot array, squeezes out garbage,
 * and rebuilds it from a list of cells. Only pages the current write transaction allocated are
 * ever handed here (the copy-on-write rule: a page a commit reaches is never written).
 *
 * <p>Cells travel between nodes as raw bytes, overflow reference and all, so moving a cell moves
 * the ownership of its overflow run with it; nothing here allocates or frees pages.
 */
final class NodeEditor {
  private final NodeLayout layout;

  NodeEditor(NodeLayout layout) {
    this.layout = layout;
  }

  /** Makes {@code node} an empty node of the given level. */
  void init(MemorySegment node, int level) {
    NodeLayout.setHeader(node, level, 0, layout.pageSize, 0);
  }

  /**
   * Inserts a cell at slot {@code index}, squeezing out garbage first when only that makes room.
   *
   * @return false, with the node unchanged, when the cell does not fit
   */
  boolean insert(MemorySegment node, int index, byte[] cell) {
    int count = NodeLayout.count(node);
    int need = cell.length + NodeLayout.SLOT;
    int free = NodeLayout.contentStart(node) - NodeLayout.HEADER - NodeLayout.SLOT * count;
    if (free < need) {
      if (free + NodeLayout.garbage(node) < need) {
        return false;
      }
      compact(node);
    }
    int start = NodeLayout.contentStart(node) - cell.length;
    MemorySegment.copy(cell, 0, node, ValueLayout.JAVA_BYTE, start, cell.length);
    long slots = NodeLayout.HEADER + (long) NodeLayout.SLOT * index;
    MemorySegment.copy(node, slots, node, slots + NodeLayout.SLOT, (long) NodeLayout.SLOT * (count - index));
    NodeLayout.setCellAt(node, index, start);
    NodeLayout.setContentStart(node, start);
    NodeLayout.setCount(node, count + 1);
    return true;
  }

  /** Removes the cell at slot {@code index}; its bytes become garbage (or free room, when lowest). */
  void remove(MemorySegment node, int index) {
    int count = NodeLayout.count(node);
    boolean leaf = NodeLayout.isLeaf(node);
    int cell = NodeLayout.cellAt(node, index);
    int size = layout.cellSize(node, cell, leaf);
    if (cell == NodeLayout.contentStart(node)) {
      NodeLayout.setContentStart(node, cell + size);
    } else {
      NodeLayout.setGarbage(node, NodeLayout.garbage(node) + size);
    }
    long slots = NodeLayout.HEADER + (long) NodeLayout.SLOT * index;
    MemorySegment.copy(node, slots + NodeLayout.SLOT, node, slots, (long) NodeLayout.SLOT * (count - index - 1));
    NodeLayout.setCount(node, count - 1);
  }

  /** Returns a copy of every cell, in key order. */
  List<byte[]> cells(MemorySegment node) {
    int count = NodeLayout.count(node);
    boolean leaf = NodeLayout.isLeaf(node);
    List<byte[]> cells = new ArrayList<>(count + 1);
    for (int i = 0; i < count; i++) {
      cells.add(cellBytes(node, i, leaf));
    }
    return cells;
  }

  /** Returns a copy of cell {@code index}. */
  byte[] cellBytes(MemorySegment node, int index, boolean leaf) {
    int cell = NodeLayout.cellAt(node, index);
    byte[] bytes = new byte[layout.cellSize(node, cell, leaf)];
    MemorySegment.copy(node, ValueLayout.JAVA_BYTE, cell, bytes, 0, bytes.length);
    return bytes;
  }

  /** Rewrites {@code node} to hold exactly {@code cells}, in order, with no garbage. */
  void rebuild(MemorySegment node, int level, List<byte[]> cells) {
    if (fill(cells) > layout.capacity) {
      throw new IllegalStateException("cells of " + fill(cells) + " bytes do not fit a node of " + layout.capacity);
    }
    int start = layout.pageSize;
    for (int i = 0; i < cells.size(); i++) {
      byte[] cell = cells.get(i);
      start -= cell.length;
      MemorySegment.copy(cell, 0, node, ValueLayout.JAVA_BYTE, start, cell.length);
      NodeLayout.setCellAt(node, i, start);
    }
    NodeLayout.setHeader(node, level, cells.size(), start, 0);
  }

  /** Moves every cell up against the end of the page, so that the garbage becomes free room. */
  void compact(MemorySegment node) {
    List<byte[]> cells = cells(node);
    rebuild(node, NodeLayout.level(node), cells);
  }

  /** What {@code cells} would fill in a node: their bytes and their slots. */
  static int fill(List<byte[]> cells) {
    int fill = 0;
    for (byte[] cell : cells) {
      fill += cell.length + NodeLayout.SLOT;
    }
    return fill;
  }
}
