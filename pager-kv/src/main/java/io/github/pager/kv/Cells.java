package io.github.pager.kv;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Encodes cells and reads whole keys and values back out of them, following an overflow run
 * where the cell spilled. A cell is built as a heap array and copied into its node by {@link
 * NodeEditor}; a spilled cell's run is written when the cell is built, and belongs to it.
 */
final class Cells {
  private final NodeLayout layout;
  private final String file;

  Cells(NodeLayout layout, String file) {
    this.layout = layout;
    this.file = file;
  }

  NodeLayout layout() {
    return layout;
  }

  /** A leaf cell for one entry; writes the overflow run when the entry does not fit inline. */
  byte[] leaf(byte[] key, byte[] value, OverflowWriter overflow) throws IOException {
    if (!layout.leafSpills(key.length, value.length)) {
      byte[] cell = new byte[NodeLayout.LEAF_KEY_AT + key.length + value.length];
      MemorySegment segment = MemorySegment.ofArray(cell);
      NodeLayout.putU16(segment, 1, key.length);
      NodeLayout.putInt(segment, 3, value.length);
      System.arraycopy(key, 0, cell, NodeLayout.LEAF_KEY_AT, key.length);
      System.arraycopy(value, 0, cell, NodeLayout.LEAF_KEY_AT + key.length, value.length);
      return cell;
    }
    int prefix = Math.min(key.length, layout.maxPrefix);
    byte[] spill = new byte[key.length - prefix + value.length];
    System.arraycopy(key, prefix, spill, 0, key.length - prefix);
    System.arraycopy(value, 0, spill, key.length - prefix, value.length);
    byte[] cell = new byte[NodeLayout.LEAF_KEY_AT + prefix + NodeLayout.SPILL_REF];
    MemorySegment segment = MemorySegment.ofArray(cell);
    cell[0] = NodeLayout.SPILLED;
    NodeLayout.putU16(segment, 1, key.length);
    NodeLayout.putInt(segment, 3, value.length);
    System.arraycopy(key, 0, cell, NodeLayout.LEAF_KEY_AT, prefix);
    writeSpill(segment, NodeLayout.LEAF_KEY_AT + prefix, spill, overflow);
    return cell;
  }

  /** A branch cell naming {@code child}, whose subtree starts at {@code key}; may write a run. */
  byte[] branch(byte[] key, long child, OverflowWriter overflow) throws IOException {
    boolean spills = layout.branchSpills(key.length);
    int prefix = spills ? Math.min(key.length, layout.maxPrefix) : key.length;
    byte[] cell = new byte[NodeLayout.BRANCH_KEY_AT + prefix + (spills ? NodeLayout.SPILL_REF : 0)];
    MemorySegment segment = MemorySegment.ofArray(cell);
    NodeLayout.putU16(segment, 1, key.length);
    NodeLayout.setChild(segment, 0, child, 0);
    System.arraycopy(key, 0, cell, NodeLayout.BRANCH_KEY_AT, prefix);
    if (spills) {
      cell[0] = NodeLayout.SPILLED;
      byte[] spill = new byte[key.length - prefix];
      System.arraycopy(key, prefix, spill, 0, spill.length);
      writeSpill(segment, NodeLayout.BRANCH_KEY_AT + prefix, spill, overflow);
    }
    return cell;
  }

  private static void writeSpill(MemorySegment cell, int at, byte[] spill, OverflowWriter overflow) throws IOException {
    long first = overflow.write(spill);
    NodeLayout.putLong(cell, at, first);
    NodeLayout.putInt(cell, at + 8L, Overflow.crc(spill, 0, spill.length));
  }

  /** The first cell of a branch: no key (it stands for everything below the next one). */
  static byte[] emptyBranch(long child, int crc) {
    byte[] cell = new byte[NodeLayout.BRANCH_KEY_AT];
    NodeLayout.setChild(MemorySegment.ofArray(cell), 0, child, crc);
    return cell;
  }

  /** A copy of a branch cell, key and overflow run included, naming another child. */
  static byte[] withChild(byte[] branchCell, long child, int crc) {
    byte[] copy = branchCell.clone();
    NodeLayout.setChild(MemorySegment.ofArray(copy), 0, child, crc);
    return copy;
  }

  /** A branch cell's child page. */
  static long child(byte[] branchCell) {
    return NodeLayout.child(MemorySegment.ofArray(branchCell), 0);
  }

  /** A branch cell's record of its child's checksum. */
  static int childCrc(byte[] branchCell) {
    return NodeLayout.childCrc(MemorySegment.ofArray(branchCell), 0);
  }

  /** Frees a cell's overflow run, if it has one: the cell is being dropped. */
  void freeSpill(byte[] cell, boolean leaf, OverflowWriter overflow) throws IOException {
    MemorySegment segment = MemorySegment.ofArray(cell);
    if (NodeLayout.isSpilled(segment, 0)) {
      overflow.free(layout.spillPage(segment, 0, leaf), layout.spillLength(segment, 0, leaf));
    }
  }

  /** Reads the whole key of the cell at {@code cell}, from its overflow run where it spilled. */
  byte[] key(PageSource pages, MemorySegment segment, long cell, boolean leaf) {
    int length = NodeLayout.keyLength(segment, cell);
    int inline = layout.inlineKeyLength(segment, cell);
    byte[] key = new byte[length];
    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, cell + NodeLayout.keyAt(leaf), key, 0, inline);
    if (inline < length) {
      Overflow.read(pages, layout.pageSize, layout.spillPage(segment, cell, leaf), 0, key, inline, length - inline);
    }
    return key;
  }

  /** {@link #key} of a cell held in a heap array. */
  byte[] key(PageSource pages, byte[] cell, boolean leaf) {
    return key(pages, MemorySegment.ofArray(cell), 0, leaf);
  }

  /**
   * Reads the value of the leaf cell at {@code cell}; a spilled one is checked against the
   * checksum its cell records.
   *
   * @throws KvCorruptException when the overflow run fails its checksum
   */
  byte[] value(PageSource pages, MemorySegment node, long cell) throws KvCorruptException {
    int length = NodeLayout.valueLength(node, cell);
    if (!NodeLayout.isSpilled(node, cell)) {
      byte[] value = new byte[length];
      long at = cell + NodeLayout.LEAF_KEY_AT + NodeLayout.keyLength(node, cell);
      MemorySegment.copy(node, ValueLayout.JAVA_BYTE, at, value, 0, length);
      return value;
    }
    int spill = layout.spillLength(node, cell, true);
    return Overflow.readChecked(
        pages, layout.pageSize, layout.spillPage(node, cell, true), spill, layout.spillCrc(node, cell, true),
        spill - length, file);
  }
}
