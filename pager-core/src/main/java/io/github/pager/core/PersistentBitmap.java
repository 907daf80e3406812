package io.github.pager.core;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * A bitmap over a sparse index space of up to 2^63 bits, stored in the page file as a
 * copy-on-write tree of pages (the same structure that holds the pager's own free-space map) and
 * committed atomically with the transaction that changed it.
 *
 * <p>Layers built on the pager keep their allocation state in such bitmaps: which sub-pages are
 * taken, which directory slots are in use. A bitmap lives under two consecutive root slots of
 * the metadata ({@code slot} holds its root page, {@code slot + 1} its root's CRC and the tree's
 * height), so it costs nothing until a bit is set, and a commit writes only the nodes it changed.
 * Its node pages are allocated from the pager like any user page.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   PersistentBitmap used = tx.bitmap(4);     // root slots 4 and 5
 *   long free = used.nextClear(0);
 *   used.set(free);
 *   tx.commit();                              // the bitmap's new nodes and root, in one flip
 * }
 * }</pre>
 *
 * <p>An instance belongs to the transaction that returned it and is unusable after it ends; a
 * read-only instance from {@link Pager#readBitmap(int)} reads the last committed state. Not
 * thread-safe.
 */
public final class PersistentBitmap {
  private final Pager pager;
  private final int slot;
  private final BitmapTree bits;
  private final boolean writable;
  private boolean ended;

  PersistentBitmap(Pager pager, int slot, BitmapTree bits, boolean writable) {
    this.pager = pager;
    this.slot = slot;
    this.bits = bits;
    this.writable = writable;
  }

  /** Builds the tree a bitmap's two root values describe. */
  static BitmapTree tree(MappedFile file, TreeGeometry geometry, NodeCache cache, long rootPage, long rootMeta) {
    int height = (int) (rootMeta >>> 32);
    return new BitmapTree(file, geometry, cache, rootPage, (int) rootMeta, height);
  }

  /** The second root value of a bitmap: its height and its root's CRC. */
  static long rootMeta(BitmapTree bits) {
    return ((long) bits.height() << 32) | (bits.rootCrc() & 0xFFFF_FFFFL);
  }

  /**
   * Returns the first of the two root slots this bitmap lives under.
   *
   * @return the slot
   */
  public int slot() {
    return slot;
  }

  /**
   * Tells whether a bit is set.
   *
   * @param index the bit, zero or more
   * @return true when set
   * @throws IOException when a node of the bitmap cannot be read or fails its checksum
   */
  public boolean get(long index) throws IOException {
    checkUsable(false);
    checkIndex(index);
    return read(() -> bits.isSet(index));
  }

  /**
   * Sets a clear bit.
   *
   * @param index the bit, zero or more
   * @throws IllegalStateException when the bit is already set
   * @throws IOException when a node of the bitmap cannot be read
   */
  public void set(long index) throws IOException {
    checkUsable(true);
    checkIndex(index);
    bits.ensureCapacity(index + 1);
    bits.set(index);
  }

  /**
   * Clears a set bit.
   *
   * @param index the bit, zero or more
   * @throws IllegalStateException when the bit is already clear
   * @throws IOException when a node of the bitmap cannot be read
   */
  public void clear(long index) throws IOException {
    checkUsable(true);
    checkIndex(index);
    bits.clear(index);
  }

  /**
   * Returns the lowest set bit at or after {@code from}.
   *
   * @param from where to start, zero or more
   * @return the bit, or -1 when none is set there
   * @throws IOException when a node of the bitmap cannot be read
   */
  public long nextSet(long from) throws IOException {
    checkUsable(false);
    checkIndex(from);
    return read(() -> bits.nextSetOrExcluded(from, bits.capacity(), BitmapTree.Exclusion.NONE));
  }

  /**
   * Returns the lowest clear bit at or after {@code from}; there always is one.
   *
   * @param from where to start, zero or more
   * @return the bit
   * @throws IOException when a node of the bitmap cannot be read
   */
  public long nextClear(long from) throws IOException {
    checkUsable(false);
    checkIndex(from);
    long found = read(() -> bits.findClear(from, bits.capacity(), BitmapTree.Exclusion.NONE));
    return found >= 0 ? found : Math.max(from, bits.capacity());
  }

  /**
   * Checks every node of the bitmap: checksums, headers and flags.
   *
   * @return one line per problem; empty when all is well
   * @throws IOException when the bitmap cannot be read at all
   */
  public List<String> verify() throws IOException {
    checkUsable(false);
    return read(() -> List.copyOf(new TreeWalker(bits, bits.capacity()).check().problems()));
  }

  /**
   * Returns the pages the bitmap's nodes occupy, for tools that account for every page.
   *
   * @return the page indexes
   * @throws IOException when the bitmap cannot be read
   */
  public Set<Long> nodePages() throws IOException {
    checkUsable(false);
    return read(() -> Set.copyOf(new TreeWalker(bits, bits.capacity()).collectNodePages()));
  }

  /** Runs a read: a transaction's bitmap already holds the writer lock, a view takes it. */
  private <T> T read(Pager.IoSupplier<T> action) throws IOException {
    return writable ? action.get() : pager.underLock(action);
  }

  BitmapTree bits() {
    return bits;
  }

  void end() {
    ended = true;
  }

  private void checkUsable(boolean change) {
    if (ended) {
      throw new IllegalStateException("the transaction of the bitmap at root slot " + slot + " has ended");
    }
    if (change && !writable) {
      throw new IllegalStateException("bitmap at root slot " + slot + " was opened for reading; change it in a transaction");
    }
    pager.checkUsable();
  }

  private static void checkIndex(long index) {
    if (index < 0 || index == Long.MAX_VALUE) {
      throw new IndexOutOfBoundsException("bit index " + index + " is outside [0, 2^63 - 1)");
    }
  }
}
