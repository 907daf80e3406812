package io.github.pager.core;

import java.io.IOException;

/**
 * A bitmap over a sparse index space of up to 2^63 bits, stored in the page file as a
 * copy-on-write tree of pages (the same structure that holds the pager's own free-space map) and
 * committed atomically with the transaction that changed it.
 *
 * <p>Layers built on the pager keep their allocation state in such bitmaps: which sub-pages are
 * taken, which directory slots are in use. A bitmap lives under two consecutive root slots of
 * the metadata (see FORMAT.md, "Structures under root values"), costs nothing until a bit is
 * set, and a commit writes only the nodes it changed. Its node pages are allocated from the pager
 * like any user page, and given back when the bitmap empties out.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   PersistentBitmap used = tx.bitmap(4);     // root slots 4 and 5
 *   long free = used.nextClear(0);
 *   used.set(free);
 *   tx.commit();                              // the bitmap's new nodes and root, in one record
 * }
 * }</pre>
 *
 * <p>An instance belongs to the transaction that returned it and is unusable after it ends; a
 * read-only instance from {@link Pager#readBitmap(int)} reads the last committed state. Not
 * thread-safe.
 */
public final class PersistentBitmap extends RootedStructure {

  PersistentBitmap(Access access, int slot, CopyOnWriteTree tree, boolean writable) {
    super(access, slot, tree, writable);
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
    return read(() -> tree().isSet(index));
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
    tree().ensureCapacity(index + 1);
    tree().set(index);
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
    tree().clear(index);
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
    return read(() -> tree().nextSetOrExcluded(from, tree().capacity(), CopyOnWriteTree.Exclusion.NONE));
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
    long found = read(() -> tree().findClear(from, tree().capacity(), CopyOnWriteTree.Exclusion.NONE));
    return found >= 0 ? found : Math.max(from, tree().capacity());
  }

  private static void checkIndex(long index) {
    if (index < 0 || index == Long.MAX_VALUE) {
      throw new IndexOutOfBoundsException("bit index " + index + " is outside [0, 2^63 - 1)");
    }
  }
}
