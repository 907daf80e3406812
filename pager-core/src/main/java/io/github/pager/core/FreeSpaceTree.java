package io.github.pager.core;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The allocation state of every page: a {@link CopyOnWriteTree} with one bit per page, set when the
 * page is in use (by a user, by a tree's node, or as one of the three reserved pages), rooted in
 * the metadata record.
 *
 * <p>This class adds what a page allocator needs on top of the bitmap: the page count and free
 * count, growth of the file when no page is free, the lowest-free-first cursor, and the pending
 * pages that must not be handed out yet. Its own nodes are placed in pages it allocates from
 * itself, so a commit repeats placement until no node is left without a page.
 *
 * <p>One instance is the working state between two commits; rolling back is dropping it. Not
 * thread-safe: the pager's writer lock guards it.
 */
final class FreeSpaceTree {
  /** Growth doubles the file, but never by more than this many bytes in one step. */
  static final long MAX_GROW_STEP_BYTES = 1L << 30;

  /** Grows the underlying file; the tree calls it before it counts the new pages. */
  @FunctionalInterface
  interface FileGrower {
    void grow(long oldPageCount, long newPageCount) throws IOException;
  }

  private final MappedFile file;
  private final TreeGeometry geometry;
  private final PendingFrees pending;
  private final FileGrower grower;
  private final CopyOnWriteTree bits;

  /** The pages of this tree's nodes as committed; changed by the pager once a commit is durable. */
  private final TreeNodePages nodePages;

  /** The node pages the last {@link #assignPages()} moved, for the pager to apply after the commit. */
  private TreeNodePages.@Nullable Recorder moved;

  private long pageCount;
  private long freeCount;

  /** Every page below the cursor is in use or pending; searches start here. */
  private long cursor;

  /** Set when the file grew since the last commit, which changes the record even without nodes. */
  private boolean grown;

  /** Places this tree's own nodes in pages taken from itself; replaced pages become pending. */
  private final CopyOnWriteTree.Placement selfPlacement =
      new CopyOnWriteTree.Placement() {
        @Override
        public long take() throws IOException {
          return allocate();
        }

        @Override
        public void give(long page) throws IOException {
          release(page);
        }
      };

  FreeSpaceTree(
      MappedFile file,
      TreeGeometry geometry,
      PendingFrees pending,
      NodeCache cache,
      FileGrower grower,
      MetadataRecord committed,
      TreeNodePages nodePages,
      long cursor) {
    this.file = file;
    this.geometry = geometry;
    this.pending = pending;
    this.grower = grower;
    this.bits = new CopyOnWriteTree(file, geometry, cache, committed.treeRoot, committed.treeRootCrc, committed.treeHeight);
    this.pageCount = committed.pageCount;
    this.freeCount = committed.freeCount;
    this.nodePages = nodePages;
    this.cursor = cursor;
  }

  /** Words of the initial root leaf: pages 0 to 3 in use. */
  static long[] initialRootLeaf(TreeGeometry geometry) {
    long[] words = CopyOnWriteTree.emptyNode(geometry, 0, 0);
    words[2] = 0b1111;
    return words;
  }

  CopyOnWriteTree bits() {
    return bits;
  }

  long pageCount() {
    return pageCount;
  }

  long freeCount() {
    return freeCount;
  }

  long rootPage() {
    return bits.rootPage();
  }

  int rootCrc() {
    return bits.rootCrc();
  }

  int height() {
    return bits.height();
  }

  long cursor() {
    return cursor;
  }

  /** Lowers the cursor to {@code page} when pages from there on became allocatable again. */
  void lowerCursor(long page) {
    cursor = Math.min(cursor, page);
  }

  /** Tells whether anything changed since the last commit (nodes, or only the page count). */
  boolean isDirty() {
    return bits.isDirty() || grown;
  }

  /** Tells whether page {@code page} (which must be below the page count) is in use. */
  boolean isInUse(long page) throws IOException {
    return bits.isSet(page);
  }

  /** Tells whether {@code page} holds a node of this tree; reads nothing. */
  boolean isTreeNode(long page) {
    return nodePages.contains(page);
  }

  /**
   * Applies the node pages the last {@link #assignPages()} moved to the committed set; the pager
   * calls it once the commit is durable.
   */
  void publishNodePages() {
    TreeNodePages.Recorder recorder = moved;
    if (recorder != null) {
      nodePages.apply(recorder.added, recorder.removed);
      moved = null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation

  /**
   * Takes the lowest allocatable page, growing the file when none is left.
   *
   * @throws IOException when the file must grow and cannot
   */
  long allocate() throws IOException {
    long page = bits.findClear(cursor, pageCount, pending);
    if (page < 0) {
      growFor(pageCount + 1);
      page = bits.findClear(cursor, pageCount, pending);
      if (page < 0) {
        throw new IllegalStateException("no free page after growing " + file.describe());
      }
    }
    bits.set(page);
    freeCount--;
    cursor = page + 1;
    return page;
  }

  /**
   * Takes the lowest run of {@code count} consecutive allocatable pages, growing the file when
   * no such run exists.
   *
   * @return the first page of the run
   */
  long allocateRun(long count) throws IOException {
    long start = bits.findClear(cursor, pageCount, pending);
    while (true) {
      if (start < 0) {
        start = pageCount;
      }
      long end = start + count;
      long blocked = bits.nextSetOrExcluded(start, Math.min(end, pageCount), pending);
      if (blocked >= 0) {
        start = bits.findClear(blocked + 1, pageCount, pending);
        continue;
      }
      if (end > pageCount) {
        growFor(end);
      }
      bits.setRun(start, end);
      freeCount -= count;
      if (start == cursor) {
        cursor = end;
      }
      return start;
    }
  }

  /** Marks an allocated page free; it becomes allocatable once the next commit is durable. */
  void release(long page) throws IOException {
    bits.clear(page);
    freeCount++;
    pending.add(page);
  }

  /**
   * Grows the file, if needed, to exactly {@code wanted} pages: an explicit size, unlike the
   * doubling that allocation uses.
   */
  void ensurePageCount(long wanted) throws IOException {
    if (wanted > pageCount) {
      growTo(wanted);
    }
  }

  /** The page count growth moves to: double, by at most {@link #MAX_GROW_STEP_BYTES}. */
  static long nextPageCount(long pageCount, long needed, int pageSize) {
    long step = Math.min(pageCount, Math.max(1, MAX_GROW_STEP_BYTES / pageSize));
    return Math.max(needed, pageCount + step);
  }

  private void growFor(long needed) throws IOException {
    requireWithinLimit(needed);
    growTo(Math.min(Format.MAX_PAGE_COUNT, nextPageCount(pageCount, needed, geometry.pageSize())));
  }

  private void growTo(long target) throws IOException {
    requireWithinLimit(target);
    grower.grow(pageCount, target);
    bits.ensureCapacity(target);
    freeCount += target - pageCount;
    pageCount = target;
    grown = true;
  }

  private void requireWithinLimit(long pages) throws GrowFailedException {
    if (pages > Format.MAX_PAGE_COUNT) {
      throw new GrowFailedException(
          file.describe() + " cannot grow past " + Format.MAX_PAGE_COUNT + " pages",
          new IOException("page count limit"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * Places other trees' nodes (layers' bitmaps and arrays) in pages allocated from this tree, and
   * frees the pages they replace, which then become pending like any freed page.
   */
  CopyOnWriteTree.Placement placementForOthers() {
    return selfPlacement;
  }

  /** Gives every changed node a fresh page taken from this tree itself, noting where nodes went. */
  void assignPages() throws IOException {
    TreeNodePages.Recorder recorder = new TreeNodePages.Recorder(selfPlacement);
    bits.assignPages(recorder);
    moved = recorder;
  }

  /** Stores every changed node into its new page; see {@link CopyOnWriteTree#writeOut()}. */
  void writeOut() {
    bits.writeOut();
    grown = false;
  }
}
