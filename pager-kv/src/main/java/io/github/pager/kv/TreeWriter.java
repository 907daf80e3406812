package io.github.pager.kv;

import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts and deletes entries in one write transaction's copy of the tree, copy-on-write.
 *
 * <p>The rule it keeps: a page that the last commit reaches is never written. The first change
 * below a node copies the whole path from the root to that leaf into pages the transaction
 * allocates ({@link #touchPath}), frees the originals in the same transaction, and changes the
 * copies; later changes in the same transaction find those copies already theirs and change them
 * again. The copies live in memory ({@link StagedNodes}) until the commit: {@link #seal} records
 * each new node's checksum in its parent and writes every node to its page, and the commit then
 * publishes the new root through the root values.
 *
 * <p>Balance: a node that overflows is split in two ({@link #split}); a node that falls under a
 * quarter of its capacity (or a branch left with one child) is merged with a sibling when both
 * fit in one node, and otherwise shares cells with it ({@link #rebalance}). Because no cell
 * exceeds a third of a node, both always succeed; {@link SplitPoint} picks where to cut. A
 * branch keeps at least two children, so every node but the root has a sibling.
 */
final class TreeWriter {
  private static final int MAX_DEPTH = NodeLayout.MAX_LEVEL + 1;

  private final Pager pager;
  private final Transaction tx;
  private final NodeLayout layout;
  private final NodeEditor editor;
  private final Cells cells;
  private final OverflowWriter overflow;
  private final TreeView view;

  /** Node pages this transaction allocated, held in memory until {@link #seal} writes them. */
  private final StagedNodes staged;

  private long root;
  private int rootCrc;
  private int height;
  private long count;

  /** Changes so far: cursors of this transaction compare it to notice a change under them. */
  private long version;

  /** The last descent: {@code path[d]} is the node at depth {@code d} (0 is the root). */
  private final long[] path = new long[MAX_DEPTH];

  /** {@code slot[d]}: which child of {@code path[d]} the descent took. */
  private final int[] slot = new int[MAX_DEPTH];

  private int leafDepth;

  /** Set by {@link #seal}: the nodes are written, and a change now would reach no page. */
  private boolean sealed;

  TreeWriter(Pager pager, Transaction tx, Cells cells, NodeBufferPool buffers, boolean verifiedReads, RootState start) {
    this.pager = pager;
    this.tx = tx;
    this.cells = cells;
    this.layout = cells.layout();
    this.editor = new NodeEditor(layout);
    this.overflow = new OverflowWriter(pager, tx);
    this.staged = new StagedNodes(layout.pageSize, buffers);
    PageSource pages = this::segment;
    this.view = new TreeView(layout, cells, new NodeReader(pages, verifiedReads, staged::holds, pager.describe()));
    this.root = start.page();
    this.rootCrc = start.crc();
    this.height = start.height();
    this.count = start.count();
  }

  TreeView view() {
    return view;
  }

  /** The root as this transaction sees it; the checksum is meaningful only once sealed. */
  RootState root() {
    return new RootState(root, rootCrc, height, count);
  }

  long version() {
    return version;
  }

  // ---------------------------------------------------------------------------------------------
  // Operations

  /** Sets {@code key} to {@code value}, replacing any value it had. */
  void put(byte[] key, byte[] value) throws IOException {
    checkUnsealed();
    version++;
    byte[] cell = cells.leaf(key, value, overflow);
    if (root == 0) {
      long leaf = newNode(0);
      editor.insert(segment(leaf), 0, cell);
      root = leaf;
      height = 1;
      count = 1;
      return;
    }
    int found = descend(SearchKey.of(key));
    touchPath();
    MemorySegment leaf = segment(path[leafDepth]);
    int index;
    if (found >= 0) {
      index = found;
      cells.freeSpill(editor.cellBytes(leaf, found, true), true, overflow);
      editor.remove(leaf, found);
    } else {
      index = -found - 1;
      count++;
    }
    if (!editor.insert(leaf, index, cell)) {
      List<byte[]> all = editor.cells(leaf);
      all.add(index, cell);
      split(leafDepth, all);
    } else if (found >= 0) {
      rebalance(leafDepth); // the new value may be shorter
    }
  }

  /**
   * Removes {@code key}.
   *
   * @return whether it was there
   */
  boolean delete(byte[] key) throws IOException {
    checkUnsealed();
    if (root == 0) {
      return false;
    }
    int found = descend(SearchKey.of(key));
    if (found < 0) {
      return false;
    }
    version++;
    touchPath();
    MemorySegment leaf = segment(path[leafDepth]);
    cells.freeSpill(editor.cellBytes(leaf, found, true), true, overflow);
    editor.remove(leaf, found);
    count--;
    rebalance(leafDepth);
    return true;
  }

  /**
   * Records the checksum of every node this transaction wrote in its parent, bottom up, writes
   * every such node to its page, and returns the root to publish. The commit's sync then makes
   * the pages durable before the record that names the root. After this, nothing may change.
   */
  RootState seal() throws IOException {
    if (sealed) {
      throw new IllegalStateException("the write transaction is sealed for its commit");
    }
    sealed = true;
    if (root != 0 && staged.holds(root)) {
      rootCrc = seal(root);
    }
    staged.writeTo(pager);
    return root();
  }

  /** Drops the nodes not written yet: the transaction ends without its commit. */
  void release() {
    staged.release();
  }

  private int seal(long page) {
    MemorySegment node = segment(page);
    if (!NodeLayout.isLeaf(node)) {
      for (int i = 0; i < NodeLayout.count(node); i++) {
        int cell = NodeLayout.cellAt(node, i);
        long child = NodeLayout.child(node, cell);
        if (staged.holds(child)) {
          NodeLayout.setChildCrc(node, cell, seal(child));
        }
      }
    }
    return StagedNodes.checksum(node);
  }

  // ---------------------------------------------------------------------------------------------
  // The path

  /** Walks from the root to the leaf where {@code key} belongs, recording the path; returns the leaf search. */
  private int descend(SearchKey key) throws KvCorruptException {
    long page = root;
    int crc = rootCrc;
    for (int depth = 0; ; depth++) {
      int level = height - 1 - depth;
      MemorySegment node = view.nodes.node(page, level, crc);
      path[depth] = page;
      if (level == 0) {
        leafDepth = depth;
        return view.search.leaf(view.pages(), node, key);
      }
      int index = view.search.branch(view.pages(), node, key);
      slot[depth] = index;
      int cell = NodeLayout.cellAt(node, index);
      page = NodeLayout.child(node, cell);
      crc = NodeLayout.childCrc(node, cell);
    }
  }

  /** Copies every node of the path that the last commit reaches into a page of this transaction. */
  private void touchPath() throws IOException {
    for (int depth = 0; depth <= leafDepth; depth++) {
      long page = path[depth];
      if (staged.holds(page)) {
        continue;
      }
      long copy = tx.alloc().index();
      staged.copy(copy, segment(page));
      tx.free(pager.pageId(page));
      path[depth] = copy;
      if (depth == 0) {
        root = copy;
      } else {
        MemorySegment parent = segment(path[depth - 1]);
        NodeLayout.setChild(parent, NodeLayout.cellAt(parent, slot[depth - 1]), copy, 0);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Balance

  /** Splits the node at {@code depth}, which would hold {@code all}, and adds the new half to its parent. */
  private void split(int depth, List<byte[]> all) throws IOException {
    MemorySegment node = segment(path[depth]);
    int level = NodeLayout.level(node);
    boolean leaf = level == 0;
    int at = SplitPoint.choose(all, leaf, layout.capacity);
    List<byte[]> left = new ArrayList<>(all.subList(0, at));
    List<byte[]> right = new ArrayList<>(all.subList(at, all.size()));
    long rightPage = newNode(level);
    byte[] up = separatorFor(left, right, rightPage, leaf);
    editor.rebuild(node, level, left);
    editor.rebuild(segment(rightPage), level, right);
    if (depth == 0) {
      long newRoot = newNode(level + 1);
      editor.rebuild(segment(newRoot), level + 1, List.of(Cells.emptyBranch(path[0], 0), up));
      root = newRoot;
      height++;
      return;
    }
    insertInto(depth - 1, slot[depth - 1] + 1, up);
  }

  /** Inserts a branch cell into the node at {@code depth}, splitting it when it does not fit. */
  private void insertInto(int depth, int index, byte[] cell) throws IOException {
    MemorySegment node = segment(path[depth]);
    if (!editor.insert(node, index, cell)) {
      List<byte[]> all = editor.cells(node);
      all.add(index, cell);
      split(depth, all);
    }
  }

  /**
   * The branch cell that names {@code rightPage}, whose cells are {@code right}: for leaves, a
   * new separator key; for branches, the key of the right half's first cell, which moves up
   * (that cell keeps its child and loses its key).
   */
  private byte[] separatorFor(List<byte[]> left, List<byte[]> right, long rightPage, boolean leaf) throws IOException {
    if (leaf) {
      byte[] below = cells.key(view.pages(), left.getLast(), true);
      byte[] above = cells.key(view.pages(), right.getFirst(), true);
      return cells.branch(Separator.between(below, above), rightPage, overflow);
    }
    byte[] first = right.getFirst();
    right.set(0, Cells.emptyBranch(Cells.child(first), Cells.childCrc(first)));
    return Cells.withChild(first, rightPage, 0);
  }

  /** Restores balance after the node at {@code depth}, already this transaction's, shrank. */
  private void rebalance(int depth) throws IOException {
    long page = path[depth];
    MemorySegment node = segment(page);
    if (depth == 0) {
      collapseRoot();
      return;
    }
    if (!underfull(node)) {
      return;
    }
    MemorySegment parent = segment(path[depth - 1]);
    int leftIndex = slot[depth - 1] > 0 ? slot[depth - 1] - 1 : 0;
    int rightIndex = leftIndex + 1;
    int leftCell = NodeLayout.cellAt(parent, leftIndex);
    int rightCell = NodeLayout.cellAt(parent, rightIndex);
    long leftPage = NodeLayout.child(parent, leftCell);
    long rightPage = NodeLayout.child(parent, rightCell);
    int level = NodeLayout.level(node);
    boolean leaf = level == 0;
    List<byte[]> all = editor.cells(view.nodes.node(leftPage, level, NodeLayout.childCrc(parent, leftCell)));
    List<byte[]> rightCells = editor.cells(view.nodes.node(rightPage, level, NodeLayout.childCrc(parent, rightCell)));
    byte[] separator = editor.cellBytes(parent, rightIndex, false);
    if (!leaf) {
      // The parent's separator comes down as the key of the right node's first cell.
      byte[] first = rightCells.getFirst();
      rightCells.set(0, Cells.withChild(separator, Cells.child(first), Cells.childCrc(first)));
    }
    all.addAll(rightCells);
    if (NodeEditor.fill(all) <= layout.capacity) {
      editor.rebuild(node, level, all);
      freeNode(page == leftPage ? rightPage : leftPage);
      if (leaf) {
        cells.freeSpill(separator, false, overflow);
      }
      editor.remove(parent, rightIndex);
      NodeLayout.setChild(parent, NodeLayout.cellAt(parent, leftIndex), page, 0);
      rebalance(depth - 1);
      return;
    }
    int at = SplitPoint.choose(all, leaf, layout.capacity);
    List<byte[]> left = new ArrayList<>(all.subList(0, at));
    List<byte[]> right = new ArrayList<>(all.subList(at, all.size()));
    long newLeft = ownCopyOf(leftPage);
    long newRight = ownCopyOf(rightPage);
    byte[] up = separatorFor(left, right, newRight, leaf);
    if (leaf) {
      cells.freeSpill(separator, false, overflow);
    }
    editor.rebuild(segment(newLeft), level, left);
    editor.rebuild(segment(newRight), level, right);
    NodeLayout.setChild(parent, NodeLayout.cellAt(parent, leftIndex), newLeft, 0);
    editor.remove(parent, rightIndex);
    if (editor.insert(parent, rightIndex, up)) {
      rebalance(depth - 1);
    } else {
      List<byte[]> parentCells = editor.cells(parent);
      parentCells.add(rightIndex, up);
      split(depth - 1, parentCells);
    }
  }

  /** A branch root with one child gives way to it; an empty leaf root leaves an empty tree. */
  private void collapseRoot() throws IOException {
    while (root != 0) {
      MemorySegment node = view.nodes.node(root, height - 1, rootCrc);
      int entries = NodeLayout.count(node);
      if (NodeLayout.isLeaf(node) && entries == 0) {
        freeNode(root);
        root = 0;
        rootCrc = 0;
        height = 0;
      } else if (!NodeLayout.isLeaf(node) && entries == 1) {
        int cell = NodeLayout.cellAt(node, 0);
        long child = NodeLayout.child(node, cell);
        int crc = NodeLayout.childCrc(node, cell);
        freeNode(root);
        root = child;
        rootCrc = crc;
        height--;
      } else {
        return;
      }
    }
  }

  private boolean underfull(MemorySegment node) {
    int fill = layout.fill(node);
    if (NodeLayout.isLeaf(node)) {
      return fill < layout.minLeafFill;
    }
    return NodeLayout.count(node) < 2 || fill < layout.minLeafFill;
  }

  // ---------------------------------------------------------------------------------------------
  // Pages

  /** A page of this transaction to rebuild {@code page}'s node in: itself if already ours, else a new one. */
  private long ownCopyOf(long page) throws IOException {
    if (staged.holds(page)) {
      return page;
    }
    long copy = tx.alloc().index();
    tx.free(pager.pageId(page));
    staged.fresh(copy);
    return copy;
  }

  private long newNode(int level) throws IOException {
    long page = tx.alloc().index();
    editor.init(staged.fresh(page), level);
    return page;
  }

  private void freeNode(long page) throws IOException {
    tx.free(pager.pageId(page));
    staged.drop(page);
  }

  /** Node {@code page} as this transaction sees it: its own staged copy, or the committed page. */
  private MemorySegment segment(long page) {
    MemorySegment own = staged.get(page);
    return own != null ? own : pager.page(page).segment();
  }

  private void checkUnsealed() {
    if (sealed) {
      throw new IllegalStateException("the write transaction is sealed for its commit: no change can join it now");
    }
  }
}
