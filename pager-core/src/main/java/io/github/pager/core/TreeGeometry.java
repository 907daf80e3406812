package io.github.pager.core;

/**
 * The shape of a {@link CopyOnWriteTree} for one page size: how many slots a leaf holds, how many
 * children an interior node has, and how many slots a subtree of each level spans.
 *
 * <p>A leaf is a page whose body (after the 16-byte node header) holds slots: bits, for a bitmap
 * such as the free-space tree, or fixed-size records, for a record array. An interior node's body
 * is an array of 16-byte entries. Neither count is a power of two, so all arithmetic here is
 * plain division; spans saturate at {@link Long#MAX_VALUE}.
 *
 * @param pageSize the page size in bytes
 * @param leafSlots bits (for a bitmap) or records (for a record array) per leaf
 * @param fanout entries per interior node
 * @param recordSize bytes per record, or 0 for a bitmap
 */
record TreeGeometry(int pageSize, long leafSlots, int fanout, int recordSize) {

  /** The geometry of a bitmap (the free-space tree's, and {@link PersistentBitmap}'s). */
  static TreeGeometry of(long pageSize) {
    int body = (int) pageSize - Format.NODE_BODY;
    return new TreeGeometry((int) pageSize, body * 8L, body / Format.ENTRY_SIZE, 0);
  }

  /** The geometry of an array of {@code recordSize}-byte records (a multiple of 8). */
  static TreeGeometry forRecords(long pageSize, int recordSize) {
    int body = (int) pageSize - Format.NODE_BODY;
    return new TreeGeometry((int) pageSize, body / recordSize, body / Format.ENTRY_SIZE, recordSize);
  }

  /** Number of 64-bit words in a leaf's body. */
  int leafWords() {
    return (pageSize - Format.NODE_BODY) / 8;
  }

  /** Number of slots one node of {@code level} covers (level 0 is a leaf). */
  long span(int level) {
    long span = leafSlots;
    for (int i = 0; i < level; i++) {
      if (span > Long.MAX_VALUE / fanout) {
        return Long.MAX_VALUE;
      }
      span *= fanout;
    }
    return span;
  }

  /** Number of slots a tree of {@code height} levels can hold. */
  long capacity(int height) {
    return span(height - 1);
  }

  /** The smallest height whose capacity covers {@code pageCount} pages. */
  int heightFor(long pageCount) {
    int height = 1;
    while (capacity(height) < pageCount) {
      height++;
    }
    return height;
  }
}
