package io.github.pager.kv;

/**
 * What a {@link KvCursor} reads through: its transaction's view of the tree, the root as the
 * transaction sees it now, and a version that changes with every change the transaction makes.
 */
interface CursorSource {
  TreeView view();

  /**
   * Returns the root as the transaction sees it now.
   *
   * @throws IllegalStateException when the transaction has ended
   */
  RootState root();

  /** Changes with each change made in the transaction; constant in a read transaction. */
  long version();
}
