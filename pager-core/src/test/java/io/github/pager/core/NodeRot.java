package io.github.pager.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Finds the page of a copy-on-write tree node in a closed page file, by following the entries
 * from the root as stored on disk, and rots bits in it, as a disk returning a bad sector would.
 * Works with plain reads and writes, so nothing of the pager is involved in placing the damage.
 */
final class NodeRot {
  private final Path file;
  private final TreeGeometry geometry;
  private final long rootPage;
  private final int height;

  /**
   * @param file the page file, closed
   * @param geometry the tree's geometry (a bitmap's or a record array's)
   * @param rootPage the root's page, as the metadata or the root values name it
   * @param height the tree's height
   */
  NodeRot(Path file, TreeGeometry geometry, long rootPage, int height) {
    this.file = file;
    this.geometry = geometry;
    this.rootPage = rootPage;
    this.height = height;
  }

  /** The rot of the free-space tree under the active metadata copy of a closed file. */
  static NodeRot freeSpaceTree(Path file) throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(file);
    PageFileInspection.MetadataCopy active = inspection.copy(inspection.activeSlot());
    return new NodeRot(file, TreeGeometry.of(inspection.pageSize()), active.treeRoot(), active.treeHeight());
  }

  /** The rot of a structure kept under two root values (see {@link RootedStructure}). */
  static NodeRot structure(Path file, TreeGeometry geometry, long rootPage, long rootMeta) {
    return new NodeRot(file, geometry, rootPage, (int) ((rootMeta >>> 32) & 0xFF));
  }

  int height() {
    return height;
  }

  /**
   * Returns the page holding node (level, index), following child entries down from the root.
   *
   * @throws IllegalArgumentException when the node does not exist
   */
  long pageOf(int level, long index) throws IOException {
    if (level < 0 || level >= height) {
      throw new IllegalArgumentException("level " + level + " is outside a tree of height " + height);
    }
    long page = rootPage;
    for (int at = height - 1; at > level; at--) {
      // The ancestor of the node one level below `at` is index / fanout^(at - 1 - level).
      long ancestor = index;
      for (int k = 0; k < at - 1 - level; k++) {
        ancestor /= geometry.fanout();
      }
      int entry = (int) (ancestor % geometry.fanout());
      page = readLong(page * geometry.pageSize() + Format.NODE_BODY + (long) entry * Format.ENTRY_SIZE + Format.ENTRY_CHILD);
      if (page == 0) {
        throw new IllegalArgumentException("node (level " + level + ", index " + index + ") does not exist");
      }
    }
    return page;
  }

  /** Returns the pages of every node, read from disk by following the child entries. */
  Set<Long> nodePages() throws IOException {
    Set<Long> pages = new HashSet<>();
    collect(rootPage, height - 1, pages);
    return pages;
  }

  private void collect(long page, int level, Set<Long> pages) throws IOException {
    pages.add(page);
    if (level == 0) {
      return;
    }
    for (int entry = 0; entry < geometry.fanout(); entry++) {
      long child = readLong(page * geometry.pageSize() + Format.NODE_BODY + (long) entry * Format.ENTRY_SIZE + Format.ENTRY_CHILD);
      if (child != 0) {
        collect(child, level - 1, pages);
      }
    }
  }

  /** Flips two bits of one byte of a page: enough to change what the node says, not its length. */
  void flipTwoBits(long page, int offsetInPage, int firstBit, int secondBit) throws IOException {
    long offset = page * geometry.pageSize() + offsetInPage;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ (1 << firstBit) ^ (1 << secondBit)));
      one.rewind();
      channel.write(one, offset);
    }
  }

  /**
   * Flips two bits of leaf slot {@code slot}: for a bitmap, that bit and the next one; for a
   * record array, the two lowest bits of the record's first word.
   *
   * @return the leaf's page
   */
  long rotLeafSlot(long slot) throws IOException {
    long page = pageOf(0, slot / geometry.leafSlots());
    int inLeaf = (int) (slot % geometry.leafSlots());
    if (geometry.recordSize() != 0) {
      flipTwoBits(page, Format.NODE_BODY + inLeaf * geometry.recordSize(), 0, 1);
    } else if (inLeaf % 8 == 7) {
      throw new IllegalArgumentException("bit " + slot + " and the next one lie in two bytes");
    } else {
      flipTwoBits(page, Format.NODE_BODY + inLeaf / 8, inLeaf % 8, inLeaf % 8 + 1);
    }
    return page;
  }

  /** Flips two bits of the root's first body byte. */
  long rotRoot() throws IOException {
    flipTwoBits(rootPage, Format.NODE_BODY, 0, 1);
    return rootPage;
  }

  /** Flips two low bits of the child page number in entry 0 of interior node (level, index). */
  long rotInteriorEntry(int level, long index) throws IOException {
    if (level == 0) {
      throw new IllegalArgumentException("level 0 holds leaves, not entries");
    }
    long page = pageOf(level, index);
    flipTwoBits(page, Format.NODE_BODY + Format.ENTRY_CHILD, 0, 1);
    return page;
  }

  private long readLong(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(buffer, offset);
      return buffer.getLong(0);
    }
  }
}
