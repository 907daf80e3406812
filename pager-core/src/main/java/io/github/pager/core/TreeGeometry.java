package io.github.pager.core;

/**
 * The shape of the free-space tree for one page size: how many pages a leaf covers, how many
 * children an interior node has, and how many pages a subtree of each level spans.
 *
 * <p>A leaf is a page whose body (after the 16-byte node header) is a bitmap, one bit per page;
 * an interior node's body is an array of 16-byte entries. Neither count is a power of two, so all
 * arithmetic here is plain division; spans saturate at {@link Long#MAX_VALUE}.
 */
record TreeGeometry(int pageSize, long leafBits, int fanout) {

  static TreeGeometry of(long pageSize) {
    int body = (int) pageSize - Format.NODE_BODY;
    return new TreeGeometry((int) pageSize, body * 8L, body / Format.ENTRY_SIZE);
  }

  /** Number of 64-bit bitmap words in a leaf. */
  int leafWords() {
    return (int) (leafBits / 64);
  }

  /** Number of pages one node of {@code level} covers (level 0 is a leaf). */
  long span(int level) {
    long span = leafBits;
    for (int i = 0; i < level; i++) {
      if (span > Long.MAX_VALUE / fanout) {
        return Long.MAX_VALUE;
      }
      span *= fanout;
    }
    return span;
  }

  /** Number of pages a tree of {@code height} levels can describe. */
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
