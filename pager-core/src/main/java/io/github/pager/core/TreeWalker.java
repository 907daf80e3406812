package io.github.pager.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Visits the whole free-space tree, in page order: to list the allocated user pages, or to check
 * every node. Costs time proportional to the tree (a few pages per thousand of the file) and
 * memory proportional to its node count.
 */
final class TreeWalker {
  private final FreeSpaceTree tree;
  private final TreeGeometry geometry;
  private final List<String> problems = new ArrayList<>();
  private final Set<Long> nodePages = new HashSet<>();
  private long countedFree;

  TreeWalker(FreeSpaceTree tree, TreeGeometry geometry) {
    this.tree = tree;
    this.geometry = geometry;
  }

  /** Calls {@code action} with every page in use that is neither reserved nor a tree node. */
  void forEachUserPage(LongConsumer action) throws IOException {
    collectNodePages(tree.height() - 1, 0, rootWords());
    visitLeaves(tree.height() - 1, 0, rootWords(), (leafStart, words) -> {
      for (int w = 0; w < geometry.leafWords(); w++) {
        long bits = words[2 + w];
        while (bits != 0) {
          long page = leafStart + 64L * w + Long.numberOfTrailingZeros(bits);
          bits &= bits - 1;
          if (page >= Format.FIRST_DATA_PAGE && page < tree.pageCount() && !nodePages.contains(page)) {
            action.accept(page);
          }
        }
      }
    });
  }

  /** Checks every node and count; see {@link Pager#verify()}. */
  TreeReport verify() throws IOException {
    long root = tree.rootPage();
    if (root != 0) {
      nodePages.add(root);
    }
    checkNode(tree.height() - 1, 0, rootWords());
    for (long page : nodePages) {
      if (page >= tree.pageCount()) {
        problems.add("tree node page " + page + " lies beyond the page count " + tree.pageCount());
      } else if (!tree.isInUse(page)) {
        problems.add("tree node page " + page + " is marked free");
      }
    }
    for (long page = 0; page < Format.FIRST_DATA_PAGE; page++) {
      if (!tree.isInUse(page)) {
        problems.add("reserved page " + page + " is marked free");
      }
    }
    if (countedFree != tree.freeCount()) {
      problems.add("metadata records " + tree.freeCount() + " free pages, the tree holds " + countedFree);
    }
    return new TreeReport(tree.pageCount(), tree.freeCount(), countedFree, tree.height(), nodePages.size(), problems);
  }

  private long @Nullable [] rootWords() throws IOException {
    return tree.node(tree.height() - 1, 0);
  }

  /** Checks a subtree; returns whether it is full, so the parent's flag can be compared. */
  private boolean checkNode(int level, long index, long @Nullable [] words) throws IOException {
    long start = index * geometry.span(level);
    long end = geometry.span(level) >= tree.pageCount() - start ? tree.pageCount() : start + geometry.span(level);
    if (words == null) {
      countedFree += Math.max(0, end - start);
      return false;
    }
    if (level == 0) {
      boolean full = true;
      for (int w = 0; w < geometry.leafWords(); w++) {
        long bits = words[2 + w];
        full &= bits == -1L;
        long wordStart = start + 64L * w;
        long valid = Math.max(0, Math.min(64, tree.pageCount() - wordStart));
        long mask = valid == 64 ? -1L : (1L << valid) - 1;
        if ((bits & ~mask) != 0) {
          problems.add("a page at or beyond the page count, near " + wordStart + ", is marked in use");
        }
        countedFree += valid - Long.bitCount(bits & mask);
      }
      return full;
    }
    boolean full = true;
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      long childStart = childIndex * geometry.span(level - 1);
      long childPage = words[FreeSpaceTree.entryChild(e)];
      boolean flagged = (FreeSpaceTree.entryFlags(words, e) & Format.FLAG_FULL) != 0;
      if (childStart >= tree.pageCount()) {
        if (childPage != 0) {
          problems.add("tree node (level " + level + ", index " + index + ") has a child beyond the page count");
        }
        full = false;
        continue;
      }
      long[] child;
      try {
        child = tree.child(level - 1, childIndex, words, e);
      } catch (CorruptMetadataException corrupt) {
        problems.add(corrupt.getMessage());
        full = false;
        continue;
      }
      if (childPage != 0 && !nodePages.add(childPage)) {
        problems.add("page " + childPage + " is used by two tree nodes");
      }
      boolean childFull = checkNode(level - 1, childIndex, child);
      if (childFull != flagged) {
        problems.add("tree node (level " + level + ", index " + index + ") entry " + e
            + " says FULL=" + flagged + " but the child is " + (childFull ? "full" : "not full"));
      }
      full &= childFull;
    }
    return full;
  }

  private void collectNodePages(int level, long index, long @Nullable [] words) throws IOException {
    if (level == tree.height() - 1 && tree.rootPage() != 0) {
      nodePages.add(tree.rootPage());
    }
    if (words == null || level == 0) {
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      if (childIndex * geometry.span(level - 1) >= tree.pageCount()) {
        break;
      }
      long childPage = words[FreeSpaceTree.entryChild(e)];
      if (childPage != 0) {
        nodePages.add(childPage);
      }
      if (level > 1) {
        collectNodePages(level - 1, childIndex, tree.child(level - 1, childIndex, words, e));
      }
    }
  }

  private interface LeafVisitor {
    void visit(long leafStart, long[] words);
  }

  private void visitLeaves(int level, long index, long @Nullable [] words, LeafVisitor visitor)
      throws IOException {
    if (words == null) {
      return;
    }
    if (level == 0) {
      visitor.visit(index * geometry.leafBits(), words);
      return;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      long childIndex = index * geometry.fanout() + e;
      if (childIndex * geometry.span(level - 1) >= tree.pageCount()) {
        break;
      }
      visitLeaves(level - 1, childIndex, tree.child(level - 1, childIndex, words, e), visitor);
    }
  }
}
