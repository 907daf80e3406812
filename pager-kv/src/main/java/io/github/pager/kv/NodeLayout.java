package io.github.pager.kv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The bytes of a tree node, and the limits that follow from the page size: the one class that
 * knows where a field lives (the grammar is in the module's README, "Node format").
 *
 * <p>A node is one page: a 16-byte header, an array of 2-byte cell offsets in key order growing
 * up from the header, and the cells themselves packed down from the end of the page. A cell
 * removed from the middle leaves garbage behind, counted in the header and squeezed out when
 * room is needed. Every accessor takes a segment and an offset, so the same code reads a cell in
 * a page and a cell copied out into a heap array ({@code MemorySegment.ofArray}).
 *
 * <p>The limits: every cell (with its slot) fits in a third of the space after the header, so
 * that a node that overflows by one cell can always be split in two that fit, and two nodes can
 * always be rebalanced. A cell that would be larger keeps at most {@link #maxPrefix} bytes of its
 * key inline and moves the rest of its payload to an overflow run ({@link Overflow}).
 */
final class NodeLayout {
  /** {@code NODE_MAGIC}: ASCII "KVN1" read as a little-endian u32. */
  static final int MAGIC = 0x314E564B;

  /** {@code NODE_HEADER}: magic u32, level u16, count u16, content start u32, garbage u32. */
  static final int HEADER = 16;

  private static final long MAGIC_AT = 0;
  private static final long LEVEL_AT = 4;
  private static final long COUNT_AT = 6;
  private static final long CONTENT_AT = 8;
  private static final long GARBAGE_AT = 12;

  /** Bytes per cell offset in the slot array. */
  static final int SLOT = 2;

  /** Leaf cell: flags u8, key length u16, value length u32, then the key. */
  static final int LEAF_KEY_AT = 7;

  /** Branch cell: flags u8, key length u16, child page u64, child CRC32C u32, then the key. */
  static final int BRANCH_KEY_AT = 15;

  /** A spilled cell ends with the overflow run's first page (u64) and its CRC32C (u32). */
  static final int SPILL_REF = 12;

  /** Flag bit: part of the cell's payload lives in an overflow run. */
  static final int SPILLED = 1;

  /** The highest level a node may claim: far more than 2^40 pages can need at two children per branch. */
  static final int MAX_LEVEL = 63;

  private static final ValueLayout.OfShort SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The page size. */
  final int pageSize;

  /** Bytes after the header: what cells and their slots share. */
  final int capacity;

  /** The largest cell, without its slot: a third of {@link #capacity}, less the slot. */
  final int maxCell;

  /** Key bytes a spilled cell keeps inline; the rest of its key goes to the overflow run. */
  final int maxPrefix;

  /** The least fill (cells and slots) of a leaf other than the root: a quarter of the capacity. */
  final int minLeafFill;

  NodeLayout(int pageSize) {
    this.pageSize = pageSize;
    this.capacity = pageSize - HEADER;
    this.maxCell = capacity / 3 - SLOT;
    this.maxPrefix = maxCell - BRANCH_KEY_AT - SPILL_REF;
    this.minLeafFill = capacity / 4;
  }

  // ---------------------------------------------------------------------------------------------
  // Header

  static int magic(MemorySegment node) {
    return node.get(INT, MAGIC_AT);
  }

  static int level(MemorySegment node) {
    return u16(node, LEVEL_AT);
  }

  static boolean isLeaf(MemorySegment node) {
    return level(node) == 0;
  }

  static int count(MemorySegment node) {
    return u16(node, COUNT_AT);
  }

  static int contentStart(MemorySegment node) {
    return node.get(INT, CONTENT_AT);
  }

  static int garbage(MemorySegment node) {
    return node.get(INT, GARBAGE_AT);
  }

  static void setHeader(MemorySegment node, int level, int count, int contentStart, int garbage) {
    node.set(INT, MAGIC_AT, MAGIC);
    node.set(SHORT, LEVEL_AT, (short) level);
    node.set(SHORT, COUNT_AT, (short) count);
    node.set(INT, CONTENT_AT, contentStart);
    node.set(INT, GARBAGE_AT, garbage);
  }

  static void setCount(MemorySegment node, int count) {
    node.set(SHORT, COUNT_AT, (short) count);
  }

  static void setContentStart(MemorySegment node, int contentStart) {
    node.set(INT, CONTENT_AT, contentStart);
  }

  static void setGarbage(MemorySegment node, int garbage) {
    node.set(INT, GARBAGE_AT, garbage);
  }

  /** The offset of cell {@code index}, in key order. */
  static int cellAt(MemorySegment node, int index) {
    return u16(node, HEADER + (long) SLOT * index);
  }

  static void setCellAt(MemorySegment node, int index, int offset) {
    node.set(SHORT, HEADER + (long) SLOT * index, (short) offset);
  }

  // ---------------------------------------------------------------------------------------------
  // Cells (in a page, or alone in a heap segment at offset 0)

  static boolean isSpilled(MemorySegment segment, long cell) {
    return (segment.get(ValueLayout.JAVA_BYTE, cell) & SPILLED) != 0;
  }

  static int keyLength(MemorySegment segment, long cell) {
    return u16(segment, cell + 1);
  }

  /** A leaf cell's value length. */
  static int valueLength(MemorySegment segment, long cell) {
    return segment.get(INT, cell + 3);
  }

  /** A branch cell's child page. */
  static long child(MemorySegment segment, long cell) {
    return segment.get(LONG, cell + 3);
  }

  /** A branch cell's record of its child's CRC32C, as of the commit that wrote the child. */
  static int childCrc(MemorySegment segment, long cell) {
    return segment.get(INT, cell + 11);
  }

  static void setChild(MemorySegment segment, long cell, long child, int crc) {
    segment.set(LONG, cell + 3, child);
    segment.set(INT, cell + 11, crc);
  }

  static void setChildCrc(MemorySegment segment, long cell, int crc) {
    segment.set(INT, cell + 11, crc);
  }

  static int keyAt(boolean leaf) {
    return leaf ? LEAF_KEY_AT : BRANCH_KEY_AT;
  }

  /** Key bytes stored in the cell itself: all of them, or the prefix of a spilled cell. */
  int inlineKeyLength(MemorySegment segment, long cell) {
    int length = keyLength(segment, cell);
    return isSpilled(segment, cell) ? Math.min(length, maxPrefix) : length;
  }

  /** The first page of a spilled cell's overflow run. */
  long spillPage(MemorySegment segment, long cell, boolean leaf) {
    return segment.get(LONG, cell + keyAt(leaf) + inlineKeyLength(segment, cell));
  }

  /** The CRC32C of a spilled cell's overflow bytes. */
  int spillCrc(MemorySegment segment, long cell, boolean leaf) {
    return segment.get(INT, cell + keyAt(leaf) + inlineKeyLength(segment, cell) + 8);
  }

  /** Payload bytes in a spilled cell's overflow run: the rest of the key, then (in a leaf) the value. */
  int spillLength(MemorySegment segment, long cell, boolean leaf) {
    int rest = keyLength(segment, cell) - inlineKeyLength(segment, cell);
    return leaf ? rest + valueLength(segment, cell) : rest;
  }

  /** The cell's size in bytes, without its slot. */
  int cellSize(MemorySegment segment, long cell, boolean leaf) {
    int inline = keyAt(leaf) + inlineKeyLength(segment, cell);
    if (isSpilled(segment, cell)) {
      return inline + SPILL_REF;
    }
    return leaf ? inline + valueLength(segment, cell) : inline;
  }

  /** Whether a leaf entry of these lengths must spill: its cell would not fit {@link #maxCell}. */
  boolean leafSpills(int keyLength, int valueLength) {
    return (long) LEAF_KEY_AT + keyLength + valueLength > maxCell;
  }

  /** Whether a branch key of this length must spill. */
  boolean branchSpills(int keyLength) {
    return BRANCH_KEY_AT + keyLength > maxCell;
  }

  /** Cells and slots of a node: what its capacity is measured against. */
  int fill(MemorySegment node) {
    return SLOT * count(node) + pageSize - contentStart(node) - garbage(node);
  }

  // ---------------------------------------------------------------------------------------------

  static int u16(MemorySegment segment, long offset) {
    return Short.toUnsignedInt(segment.get(SHORT, offset));
  }

  static void putU16(MemorySegment segment, long offset, int value) {
    segment.set(SHORT, offset, (short) value);
  }

  static void putInt(MemorySegment segment, long offset, int value) {
    segment.set(INT, offset, value);
  }

  static void putLong(MemorySegment segment, long offset, long value) {
    segment.set(LONG, offset, value);
  }
}
