package io.github.pager.core;

import java.util.List;

/**
 * What {@link Pager#verify()} found in the free-space tree and the pending list.
 *
 * @param pageCount pages in the file, as the metadata counts them
 * @param recordedFreeCount free pages, as the metadata records them
 * @param countedFreeCount free pages, as counted bit by bit in the tree
 * @param treeHeight levels in the tree (1: the root is a leaf)
 * @param treeNodeCount pages the tree occupies
 * @param pendingListPageCount pages the pending list occupies
 * @param pendingPageCount free pages not reusable yet (freed by a recent commit, or held for a
 *     snapshot or a reader), as the pending list records them
 * @param problems one line per inconsistency; empty when all is well
 */
public record TreeReport(
    long pageCount,
    long recordedFreeCount,
    long countedFreeCount,
    int treeHeight,
    long treeNodeCount,
    long pendingListPageCount,
    long pendingPageCount,
    List<String> problems) {

  /** Copies the problem list, so the report stays immutable. */
  public TreeReport {
    problems = List.copyOf(problems);
  }

  /**
   * Tells whether no problem was found.
   *
   * @return true when the tree is consistent
   */
  public boolean isClean() {
    return problems.isEmpty();
  }
}
