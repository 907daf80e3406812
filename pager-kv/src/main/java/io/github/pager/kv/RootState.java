package io.github.pager.kv;

/**
 * Where a tree starts, as one commit (or a write transaction) sees it.
 *
 * @param page the root node's page; 0 for an empty tree
 * @param crc the root node's CRC32C, as its commit recorded it
 * @param height levels in the tree: 1 when the root is a leaf, 0 when empty
 * @param count entries in the tree
 */
record RootState(long page, int crc, int height, long count) {
  static final RootState EMPTY = new RootState(0, 0, 0, 0);
}
