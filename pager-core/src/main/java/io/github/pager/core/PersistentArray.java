package io.github.pager.core;

import java.io.IOException;

/**
 * An array of fixed-size records over a sparse index space, stored in the page file as a
 * copy-on-write tree of pages and committed atomically with the transaction that changed it.
 *
 * <p>Layers built on the pager keep directories in such arrays (for example, where each
 * protected page's copies live and what their checksums are). An array lives under two
 * consecutive root slots of the metadata, like a {@link PersistentBitmap}; records never written
 * read as zeros, a record of zeros is the same as one never written, and a leaf left with only
 * zero records is dropped at commit, giving its page back.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   PersistentArray directory = tx.array(8, 32);   // root slots 8 and 9, 32-byte records
 *   directory.set(id, new long[] {pageA, pageB, crcs, version});
 *   tx.commit();
 * }
 * }</pre>
 *
 * <p>An instance belongs to the transaction that returned it and is unusable after it ends; a
 * read-only instance from {@link Pager#readArray(int, int)} reads the last committed state. Not
 * thread-safe.
 */
public final class PersistentArray extends RootedStructure {
  /** The largest record, in bytes: a leaf of the smallest page size must hold several. */
  public static final int MAX_RECORD_SIZE = 256;

  PersistentArray(Access access, int slot, CopyOnWriteTree tree, boolean writable) {
    super(access, slot, tree, writable);
  }

  static void checkRecordSize(int recordSize) {
    if (recordSize < 8 || recordSize > MAX_RECORD_SIZE || recordSize % 8 != 0) {
      throw new IllegalArgumentException(
          "record size " + recordSize + " is not a multiple of 8 from 8 to " + MAX_RECORD_SIZE);
    }
  }

  /**
   * Returns the size of every record.
   *
   * @return bytes per record
   */
  public int recordSize() {
    return tree().geometry().recordSize();
  }

  /**
   * Reads a record.
   *
   * @param index the record, zero or more
   * @return its words ({@link #recordSize()} / 8 of them); zeros when never written
   * @throws IOException when a node of the array cannot be read or fails its checksum
   */
  public long[] get(long index) throws IOException {
    checkUsable(false);
    checkIndex(index);
    long[] record = new long[recordSize() / 8];
    read(() -> {
      tree().readRecord(index, record);
      return record;
    });
    return record;
  }

  /**
   * Writes a record; it becomes durable when the transaction commits.
   *
   * @param index the record, zero or more
   * @param record exactly {@link #recordSize()} / 8 words; all zeros erases the record
   * @throws IOException when a node of the array cannot be read
   */
  public void set(long index, long[] record) throws IOException {
    checkUsable(true);
    checkIndex(index);
    if (record.length != recordSize() / 8) {
      throw new IllegalArgumentException(
          "a record of this array has " + recordSize() / 8 + " words, not " + record.length);
    }
    tree().writeRecord(index, record.clone());
  }

  private static void checkIndex(long index) {
    if (index < 0 || index == Long.MAX_VALUE) {
      throw new IndexOutOfBoundsException("record index " + index + " is outside [0, 2^63 - 1)");
    }
  }
}
