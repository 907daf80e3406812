package io.github.pager.kv;

import java.util.List;

/**
 * Chooses where to cut a run of cells into two nodes: the cut that leaves the fuller half least
 * full, among those where both halves fit.
 *
 * <p>Why a cut always exists: every cell with its slot takes at most a third of a node's
 * capacity {@code C}, and the cells to cut hold more than {@code C} (else they would fit in one
 * node) and at most {@code 5C/3} (a node that overflowed by one cell holds at most {@code 4C/3};
 * a rebalance joins a node below {@code C/4}, or a branch of one cell, with a sibling of at most
 * {@code C} and a separator). Cutting on either side of the cell that straddles the middle leaves
 * the fuller half at most {@code (total + C/3) / 2}, at most {@code C}; and when that cell is
 * one of the last two, the right half is at most two cells, {@code 2C/3}. A branch's right half
 * loses its first key (it moves up to the parent), which only makes that half smaller.
 *
 * <p>A branch is cut so that each half keeps at least two children, which is possible because
 * more than {@code C} bytes of cells are at least four cells; a leaf keeps at least one entry.
 */
final class SplitPoint {
  private SplitPoint() {}

  /**
   * Returns the index of the first cell of the right half.
   *
   * @throws IllegalStateException when no cut fits (the size limits above were broken)
   */
  static int choose(List<byte[]> cells, boolean leaf, int capacity) {
    int n = cells.size();
    int[] before = new int[n + 1];
    for (int i = 0; i < n; i++) {
      before[i + 1] = before[i] + cells.get(i).length + NodeLayout.SLOT;
    }
    int total = before[n];
    int low = leaf || n < 4 ? 1 : 2;
    int high = leaf || n < 4 ? n - 1 : n - 2;
    int best = -1;
    int bestFuller = Integer.MAX_VALUE;
    for (int at = low; at <= high; at++) {
      int left = before[at];
      int right = total - left - (leaf ? 0 : cells.get(at).length - NodeLayout.BRANCH_KEY_AT);
      int fuller = Math.max(left, right);
      if (fuller <= capacity && fuller < bestFuller) {
        best = at;
        bestFuller = fuller;
      }
    }
    if (best < 0) {
      throw new IllegalStateException(n + " cells of " + total + " bytes cannot be cut into two nodes of " + capacity);
    }
    return best;
  }
}
