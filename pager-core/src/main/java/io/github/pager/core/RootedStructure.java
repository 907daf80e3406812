package io.github.pager.core;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What {@link PersistentBitmap} and {@link PersistentArray} share: a {@link CopyOnWriteTree}
 * kept under two consecutive root slots, bound to the transaction that opened it (or a
 * read-only view of the last commit), and the encoding of its two root values.
 *
 * <p>Slot {@code k} holds the root page (0: no node yet); slot {@code k + 1} holds the root's CRC
 * in bits 0..31, the tree's height in bits 32..39, and the record size in bits 40..55 (0 for a
 * bitmap), so a slot opened as the wrong kind of structure is refused rather than misread.
 */
abstract class RootedStructure {
  /**
   * How a structure's reads are guarded and when it stops being usable: a transaction's structure
   * reads directly (its transaction holds the writer lock), a view of the last commit takes the
   * writer lock for each read, and a snapshot's structure reads pages no writer touches.
   */
  interface Access {
    /** Runs a read of the structure's tree. */
    <T> T read(Pager.IoSupplier<T> action) throws IOException;

    /** Throws {@link IllegalStateException} when what the structure belongs to is closed. */
    void checkUsable();
  }

  private final Access access;
  private final int slot;
  private final CopyOnWriteTree tree;
  private final boolean writable;
  private boolean ended;

  RootedStructure(Access access, int slot, CopyOnWriteTree tree, boolean writable) {
    this.access = access;
    this.slot = slot;
    this.tree = tree;
    this.writable = writable;
  }

  /** Builds the tree two root values describe, refusing a structure of another kind. */
  static CopyOnWriteTree tree(
      MappedFile file, NodeCache cache, int slot, int recordSize, long rootPage, long rootMeta) {
    int storedSize = (int) ((rootMeta >>> 40) & 0xFFFF);
    if (rootPage != 0 && storedSize != recordSize) {
      throw new IllegalStateException(
          file.describe() + ": root slots " + slot + "-" + (slot + 1) + " hold "
              + describe(storedSize) + ", not " + describe(recordSize));
    }
    TreeGeometry geometry =
        recordSize == 0 ? TreeGeometry.of(file.pageSize()) : TreeGeometry.forRecords(file.pageSize(), recordSize);
    return new CopyOnWriteTree(file, geometry, cache, rootPage, (int) rootMeta, (int) ((rootMeta >>> 32) & 0xFF));
  }

  private static String describe(int recordSize) {
    return recordSize == 0 ? "a bitmap" : "an array of " + recordSize + "-byte records";
  }

  /** The second root value of a tree: record size, height and root CRC. */
  static long rootMeta(CopyOnWriteTree tree) {
    return ((long) tree.geometry().recordSize() << 40)
        | ((long) tree.height() << 32)
        | (tree.rootCrc() & 0xFFFF_FFFFL);
  }

  /**
   * Returns the first of the two root slots this structure lives under.
   *
   * @return the slot
   */
  public int slot() {
    return slot;
  }

  /**
   * Checks every node of the structure: checksums, headers and flags.
   *
   * @return one line per problem; empty when all is well
   * @throws IOException when the structure cannot be read at all
   */
  public List<String> verify() throws IOException {
    checkUsable(false);
    return read(() -> List.copyOf(new TreeWalker(tree, tree.capacity()).check().problems()));
  }

  /**
   * Returns the pages the structure's nodes occupy, for tools that account for every page.
   *
   * @return the page indexes
   * @throws IOException when the structure cannot be read
   */
  public Set<Long> nodePages() throws IOException {
    checkUsable(false);
    return read(() -> Set.copyOf(new TreeWalker(tree, tree.capacity()).collectNodePages()));
  }

  /**
   * Gives every node of the structure stored at page {@code firstPage} or past it a fresh page
   * when its transaction commits, its content unchanged: the lowest free page, as for any changed
   * node. What a layer's {@link PageRelocator} calls to move its structures' nodes for
   * compaction.
   *
   * @param firstPage the first page of the range to move out of
   * @return how many nodes lay in that range
   * @throws IllegalStateException when the structure was opened for reading, or its transaction
   *     has ended
   * @throws IOException when a node cannot be read
   */
  public int moveNodesFrom(long firstPage) throws IOException {
    checkUsable(true);
    return tree.moveNodesFrom(firstPage);
  }

  CopyOnWriteTree tree() {
    return tree;
  }

  void end() {
    ended = true;
  }

  /** Runs a read under this structure's {@link Access}. */
  <T> T read(Pager.IoSupplier<T> action) throws IOException {
    return access.read(action);
  }

  void checkUsable(boolean change) {
    if (ended) {
      throw new IllegalStateException("the transaction of the structure at root slot " + slot + " has ended");
    }
    if (change && !writable) {
      throw new IllegalStateException(
          "the structure at root slot " + slot + " was opened for reading; change it in a transaction");
    }
    access.checkUsable();
  }
}
