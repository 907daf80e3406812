package io.github.pager.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts a committed {@link CopyOnWriteTree} node by node: where each node lies (its page, level
 * and index), how many nodes each level has, and how many of their slots hold something. What
 * {@link CommitLayout} reports of the free-space tree and of every structure under root values.
 *
 * <p>Reads every node, checking each against the CRC its parent holds, as any read does: a node
 * that fails is thrown as {@link CorruptMetadataException} rather than counted as empty, since a
 * census that silently skipped a subtree would report wrong counts as facts.
 */
final class TreeCensus {
  private final CopyOnWriteTree tree;
  private final TreeGeometry geometry;
  private final long[] nodes;
  private final long[] usedSlots;
  private final Map<Long, CommitLayout.NodePosition> positions = new HashMap<>();

  private TreeCensus(CopyOnWriteTree tree) {
    this.tree = tree;
    this.geometry = tree.geometry();
    this.nodes = new long[tree.height()];
    this.usedSlots = new long[tree.height()];
  }

  /** Walks the whole tree, which must have no uncommitted change. */
  static TreeCensus of(CopyOnWriteTree tree) throws IOException {
    TreeCensus census = new TreeCensus(tree);
    long[] root = tree.rootWords();
    if (root != null && tree.rootPage() != 0) {
      census.visit(tree.height() - 1, 0, tree.rootPage(), root);
    }
    return census;
  }

  private void visit(int level, long index, long page, long[] words) throws IOException {
    positions.put(page, new CommitLayout.NodePosition(level, index));
    nodes[level]++;
    if (level == 0) {
      usedSlots[0] += usedLeafSlots(words);
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long child = words[CopyOnWriteTree.entryChild(e)];
      if (child == 0) {
        continue;
      }
      usedSlots[level]++;
      long childIndex = index * geometry.fanout() + e;
      long[] childWords = tree.child(level - 1, childIndex, words, e);
      if (childWords != null) {
        visit(level - 1, childIndex, child, childWords);
      }
    }
  }

  /** Bits set in a bitmap leaf; records not all zero (written) in a record leaf. */
  private long usedLeafSlots(long[] words) {
    int recordSize = geometry.recordSize();
    if (recordSize == 0) {
      long set = 0;
      for (int w = 0; w < geometry.leafWords(); w++) {
        set += Long.bitCount(words[2 + w]);
      }
      return set;
    }
    int recordWords = recordSize / 8;
    long written = 0;
    for (long r = 0; r < geometry.leafSlots(); r++) {
      int first = (int) (2 + r * recordWords);
      for (int w = first; w < first + recordWords; w++) {
        if (words[w] != 0) {
          written++;
          break;
        }
      }
    }
    return written;
  }

  /** The counts, level 0 (the leaves) first. */
  CommitLayout.TreeShape shape() {
    List<CommitLayout.TreeLevel> levels = new ArrayList<>();
    for (int level = 0; level < nodes.length; level++) {
      long slotsPerNode = level == 0 ? geometry.leafSlots() : geometry.fanout();
      levels.add(new CommitLayout.TreeLevel(level, nodes[level], nodes[level] * slotsPerNode, usedSlots[level]));
    }
    return new CommitLayout.TreeShape(tree.height(), geometry.recordSize(), levels);
  }

  /** Every node's page, with its level and index. */
  Map<Long, CommitLayout.NodePosition> positions() {
    return positions;
  }
}
