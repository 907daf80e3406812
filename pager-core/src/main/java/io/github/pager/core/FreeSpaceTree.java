package io.github.pager.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The allocation state of every page: a {@link CopyOnWriteTree} with one bit per page, set when the
 * page is in use (by a user, by a tree's node, or as one of the three reserved pages), rooted in
 * the metadata record.
 *
 * <p>This class adds what a page allocator needs on top of the bitmap: the page count and free
 * count, growth of the file when no page is free, the lowest-free-first cursor, and the pending
 * pages that must not be handed out yet, and the pages of the {@link PendingList} that records
 * them. Its own nodes and the list's chain pages are placed in pages it allocates from itself, so
 * a commit repeats placement until no node is left without a page and the list fits.
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

  /**
   * The pager's own pages (nodes, pending list) the commit in progress took and gave back, for the
   * pager to apply to {@link #nodePages} once the commit is durable.
   */
  private TreeNodePages.@Nullable Recorder moved;

  /** The pending list the last commit left: the next list starts from it. */
  private PendingList.Contents committedList;

  /** The list placed by {@link #placeNodes}, until {@link #writeOut()} writes it. */
  private @Nullable PendingListUpdate placedList;

  /** The list {@link #writeOut()} wrote, until the pager publishes it. */
  private PendingList.@Nullable Contents writtenList;

  private long pageCount;
  private long freeCount;

  /** Every page below the cursor is in use or pending; searches start here. */
  private long cursor;

  /**
   * Set when the page count changed since the last commit (growth, or compaction's shrink), which
   * changes the record even without nodes.
   */
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
      PendingList.Contents committedList,
      long cursor) {
    this.file = file;
    this.geometry = geometry;
    this.pending = pending;
    this.grower = grower;
    this.bits = new CopyOnWriteTree(file, geometry, cache, committed.treeRoot, committed.treeRootCrc, committed.treeHeight);
    this.pageCount = committed.pageCount;
    this.freeCount = committed.freeCount;
    this.nodePages = nodePages;
    this.committedList = committedList;
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

  /**
   * Tells whether {@code page} is one of the pager's own as of the last commit: a node of this
   * tree or a page of the pending list. Reads nothing.
   */
  boolean isOwnPage(long page) {
    return nodePages.contains(page);
  }

  /**
   * Applies the own pages the last commit moved to the committed set; the pager calls it once the
   * commit is durable.
   *
   * @return the pending list now committed
   */
  PendingList.Contents publishOwnPages() {
    TreeNodePages.Recorder recorder = moved;
    if (recorder != null) {
      nodePages.apply(recorder.added, recorder.removed);
      moved = null;
    }
    PendingList.Contents list = writtenList;
    if (list != null) {
      committedList = list;
      writtenList = null;
    }
    return committedList;
  }

  /** The pending list of the commit in progress as its record names it, once {@link #writeOut()} ran. */
  PendingList.Root pendingListRoot() {
    PendingList.Contents list = writtenList;
    if (list == null) {
      throw new IllegalStateException("the pending list is written by writeOut()");
    }
    return list.root();
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

  /**
   * Takes the lowest allocatable page if it lies below {@code limit}; never grows the file. What
   * compaction moves a page into.
   *
   * @return the page, or -1 when no allocatable page lies below {@code limit}
   */
  long allocateBelow(long limit) throws IOException {
    long page = bits.findClear(cursor, Math.min(limit, pageCount), pending);
    if (page < 0) {
      return -1;
    }
    bits.set(page);
    freeCount--;
    cursor = page + 1;
    return page;
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

  /**
   * Makes the page count {@code newPageCount}, which no page in use lies at or past: compaction's
   * shrink (FORMAT.md, "Compaction"). The record changes even when the count does not, since
   * compaction writes it twice, so that both metadata copies count the new pages.
   *
   * @throws IllegalStateException when a page at or past {@code newPageCount} is in use
   */
  void shrinkTo(long newPageCount) throws IOException {
    if (newPageCount < Format.FIRST_DATA_PAGE + 1 || newPageCount > pageCount) {
      throw new IllegalArgumentException(
          file.describe() + ": cannot shrink from " + pageCount + " to " + newPageCount + " pages");
    }
    long inUse = bits.nextSetOrExcluded(newPageCount, pageCount, CopyOnWriteTree.Exclusion.NONE);
    if (inUse >= 0) {
      throw new IllegalStateException(
          file.describe() + ": cannot shrink to " + newPageCount + " pages: page " + inUse + " is in use");
    }
    freeCount -= pageCount - newPageCount;
    pageCount = newPageCount;
    cursor = Math.min(cursor, newPageCount);
    grown = true;
  }

  /** Makes every node of this tree stored at {@code firstPage} or past it move at commit. */
  int moveNodesFrom(long firstPage) throws IOException {
    return bits.moveNodesFrom(firstPage);
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

  /**
   * Gives every changed node a fresh page taken from this tree itself, and places the pending list
   * the commit writes (see {@link PendingListUpdate}). Placing nodes frees the pages they replace,
   * and those join the list; the list's new chain pages, when it needs any, change the tree. So
   * pages are taken for the list, the nodes placed, and the list counted again, until it fits.
   *
   * @param generation the generation of the commit in progress: this commit's frees are listed
   *     as freed by it
   * @param oldestPinned the oldest generation a snapshot or registered reader reads, or {@link
   *     Long#MAX_VALUE}: what the reuse rule will keep pending after this commit
   */
  void placeNodes(long generation, long oldestPinned) throws IOException {
    TreeNodePages.Recorder own = recorder();
    bits.assignPages(own);
    PendingListUpdate list =
        new PendingListUpdate(
            committedList, geometry.pageSize(), generation, PendingFrees.releasedThrough(generation, oldestPinned));
    placedList = list;
    // Chain pages whose runs are all released are cut by every commit, also one that frees nothing
    // else: kept, both records would share a page that tells neither anything, and its damage
    // alone would leave no usable record. The older record still reaches the pages cut: they are
    // pending now, like any page this commit frees.
    for (long page : list.dropReleasedChainPages()) {
      own.give(page);
    }
    if (!pending.freesThisCommit()) {
      // Nothing new to list and nothing cut: the chain stays as it is.
      list.place(List.of(), List.of());
      return;
    }
    List<Long> pages = new ArrayList<>();
    while (true) {
      bits.assignPages(own);
      List<PendingList.Run> runs = pending.runsFreedByThisCommit(generation);
      int needed = list.pagesNeeded(runs);
      if (needed <= pages.size()) {
        list.place(pages, runs);
        return;
      }
      while (pages.size() < needed) {
        pages.add(own.take());
      }
    }
  }

  private TreeNodePages.Recorder recorder() {
    TreeNodePages.Recorder recorder = moved;
    if (recorder == null) {
      recorder = new TreeNodePages.Recorder(selfPlacement);
      moved = recorder;
    }
    return recorder;
  }

  /**
   * Stores every changed node into its new page (see {@link CopyOnWriteTree#writeOut()}), and the
   * pending list placed with them.
   *
   * @return how many pages of each kind were stored
   */
  PagesWritten writeOut() throws IOException {
    int nodes = bits.writeOut();
    PendingListUpdate list = placedList;
    if (list == null) {
      throw new IllegalStateException("writeOut() follows placeNodes()");
    }
    writtenList = list.write(file);
    placedList = null;
    grown = false;
    return new PagesWritten(nodes, list.newPageCount());
  }

  /**
   * The pages one {@link #writeOut()} stored.
   *
   * @param nodes the tree's changed nodes, each in a fresh page
   * @param chainPages the pending list's new chain pages
   */
  record PagesWritten(int nodes, int chainPages) {}
}
