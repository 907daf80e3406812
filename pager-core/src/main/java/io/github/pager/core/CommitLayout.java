package io.github.pager.core;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where one commit's pages lie, as the pager itself knows them: the reserved pages, the nodes of
 * the free-space tree (with their level and index), the pages of the pending list's chain, the
 * pending runs, which pages are free, and the nodes of every bitmap and record array kept under
 * root values. For tools that label or count every page of a file ({@code pager pages},
 * {@code pager stats}); it only reads.
 *
 * <pre>{@code
 * try (Snapshot snapshot = pager.snapshot()) {
 *   CommitLayout layout = CommitLayout.of(snapshot);
 *   NodePosition node = layout.freeSpaceTreeNodes().get(page);   // null: no tree node
 *   layout.forEachFreeRun(3, layout.pageCount(), (first, length) -> ...);
 * }
 * }</pre>
 *
 * <p>What a page is <em>for</em> above the pager (a user's data, a protected page's copy, a
 * sub-page allocator's parent page) is the business of the layer that allocated it: here such a
 * page is simply in use and no node. Read through a snapshot, the layout describes the snapshot's
 * commit whatever the writer does meanwhile; {@link #isFree} and {@link #forEachFreeRun} read the
 * free-space tree and fail once the snapshot is closed.
 */
public final class CommitLayout {

  /**
   * Where a node sits in its tree (FORMAT.md, "Copy-on-write trees").
   *
   * @param level 0 for a leaf; the root is at height - 1
   * @param index its position among the nodes of its level, from 0
   */
  public record NodePosition(int level, long index) {}

  /**
   * One level of a tree, counted.
   *
   * @param level 0 for the leaves
   * @param nodes nodes at this level
   * @param slots slots those nodes hold: bits or records per leaf, entries per interior node
   * @param usedSlots slots holding something: set bits, records not all zero, entries naming a
   *     child
   */
  public record TreeLevel(int level, long nodes, long slots, long usedSlots) {
    /**
     * Returns the share of the level's slots that hold something.
     *
     * @return from 0 to 1; 0 for a level without nodes
     */
    public double fill() {
      return slots == 0 ? 0 : (double) usedSlots / slots;
    }
  }

  /**
   * The shape of a copy-on-write tree.
   *
   * @param height levels in the tree (1: the root is a leaf)
   * @param recordSize bytes per record for a record array; 0 for a bitmap
   * @param levels one entry per level, the leaves (level 0) first
   */
  public record TreeShape(int height, int recordSize, List<TreeLevel> levels) {
    /** Copies the level list, so the shape stays immutable. */
    public TreeShape {
      levels = List.copyOf(levels);
    }

    /**
     * Returns the pages the tree's nodes occupy.
     *
     * @return the node count over all levels
     */
    public long nodes() {
      return levels.stream().mapToLong(TreeLevel::nodes).sum();
    }

    /**
     * Returns the share of all the tree's slots that hold something, leaves and interior nodes
     * together.
     *
     * @return from 0 to 1; 0 for a tree without nodes
     */
    public double fill() {
      long slots = levels.stream().mapToLong(TreeLevel::slots).sum();
      long used = levels.stream().mapToLong(TreeLevel::usedSlots).sum();
      return slots == 0 ? 0 : (double) used / slots;
    }
  }

  /**
   * A bitmap or record array kept under root values {@code slot} and {@code slot + 1}.
   *
   * @param slot the first of its two root slots
   * @param shape its tree's shape
   * @param nodes the page of every node, with its place in the tree
   */
  public record Structure(int slot, TreeShape shape, Map<Long, NodePosition> nodes) {
    /** Copies the node map, so the structure stays immutable. */
    public Structure {
      nodes = Map.copyOf(nodes);
    }

    /**
     * Tells whether it is a bitmap rather than a record array.
     *
     * @return true for a bitmap
     */
    public boolean isBitmap() {
      return shape.recordSize() == 0;
    }
  }

  /**
   * Pages freed by one commit and not reusable yet (FORMAT.md, "Pending list").
   *
   * @param first the first page
   * @param length how many consecutive pages
   * @param freedBy the generation of the commit that freed them
   */
  public record PendingRun(long first, long length, long freedBy) {}

  /** Receives runs of pages. */
  @FunctionalInterface
  public interface RunVisitor {
    /**
     * Receives one run.
     *
     * @param first its first page
     * @param length how many consecutive pages, at least 1
     */
    void visit(long first, long length);
  }

  private final Snapshot snapshot;
  private final int pageSize;
  private final TreeShape freeSpaceTree;
  private final Map<Long, NodePosition> freeSpaceTreeNodes;
  private final List<Long> pendingListPages;
  private final List<PendingRun> pendingRuns;
  private final List<Structure> structures;

  private CommitLayout(
      Snapshot snapshot, int pageSize, TreeCensus freeSpace, List<Long> pendingListPages, List<PendingRun> pendingRuns,
      List<Structure> structures) {
    this.snapshot = snapshot;
    this.pageSize = pageSize;
    this.freeSpaceTree = freeSpace.shape();
    this.freeSpaceTreeNodes = Map.copyOf(freeSpace.positions());
    this.pendingListPages = List.copyOf(pendingListPages);
    this.pendingRuns = List.copyOf(pendingRuns);
    this.structures = List.copyOf(structures);
  }

  /**
   * Reads the layout of a snapshot's commit: every node of the free-space tree and of each
   * structure under root values, and the pending list.
   *
   * @param snapshot an open snapshot; the layout reads through it, so keep it open while using
   *     the layout
   * @return the layout
   * @throws CorruptMetadataException when a node or a pending list page fails its checks
   * @throws StaleViewException when a writer in another process may have reused the pages read
   * @throws IOException when a page cannot be read
   * @throws IllegalStateException when the snapshot is closed
   */
  public static CommitLayout of(Snapshot snapshot) throws IOException {
    return snapshot.read(() -> {
      MappedFile file = snapshot.file();
      MetadataRecord record = snapshot.record();
      NodeCache cache = new NodeCache();
      TreeCensus freeSpace = TreeCensus.of(snapshot.freeSpace());
      PendingList.Contents list = PendingList.read(file, record);
      List<PendingRun> runs =
          list.pendingRuns().stream().map(run -> new PendingRun(run.first(), run.length(), run.freedBy())).toList();
      return new CommitLayout(
          snapshot, file.pageSize(), freeSpace, list.pages(), runs, StoredTrees.find(file, cache, record));
    });
  }

  /**
   * Returns the generation of the commit described.
   *
   * @return the generation
   */
  public long generation() {
    return snapshot.generation();
  }

  /**
   * Returns the commit's page count.
   *
   * @return pages, the reserved ones included
   */
  public long pageCount() {
    return snapshot.pageCount();
  }

  /**
   * Returns the page size.
   *
   * @return bytes per page
   */
  public int pageSize() {
    return pageSize;
  }

  /**
   * Returns the shape of the free-space tree.
   *
   * @return its height, and its nodes and their fill per level
   */
  public TreeShape freeSpaceTree() {
    return freeSpaceTree;
  }

  /**
   * Returns the page of every node of the free-space tree, with its place in the tree.
   *
   * @return an immutable map from page to position
   */
  public Map<Long, NodePosition> freeSpaceTreeNodes() {
    return freeSpaceTreeNodes;
  }

  /**
   * Returns the pages of the pending list's chain, from the head; empty when the whole list is
   * inline in the metadata record.
   *
   * @return the chain's pages, first to last
   */
  public List<Long> pendingListPages() {
    return pendingListPages;
  }

  /**
   * Returns the runs the pending list holds as still pending: free in the free-space tree, and
   * not handed out until the reuse rule releases them.
   *
   * @return the runs, in the list's order (newest first within each part)
   */
  public List<PendingRun> pendingRuns() {
    return pendingRuns;
  }

  /**
   * Returns every bitmap and record array found under the root values (see {@link
   * #of(Snapshot)}): a pair of slots whose first names a page holding a tree root with the
   * checksum the second holds. A structure that has no node yet is not listed.
   *
   * @return the structures, in slot order
   */
  public List<Structure> structures() {
    return structures;
  }

  /**
   * Tells whether a page's bit is clear in the free-space tree: free, or pending.
   *
   * @param page a page index below the page count
   * @return true when free
   * @throws IllegalArgumentException when the page is outside {@code [0, pageCount)}
   * @throws IOException when the free-space tree cannot be read
   */
  public boolean isFree(long page) throws IOException {
    if (page < 0 || page >= pageCount()) {
      throw new IllegalArgumentException("page " + page + " is outside [0, " + pageCount() + ")");
    }
    return snapshot.read(() -> !snapshot.freeSpace().isSet(page));
  }

  /**
   * Calls {@code action} with every maximal run of pages in {@code [from, to)} whose bits are
   * clear in the free-space tree (free pages, pending ones included), in increasing order. Costs
   * time in proportion to the number of runs, not of pages.
   *
   * @param from the first page to look at
   * @param to the end of the range; clamped to the page count
   * @param action what to do with each run; a run that reaches past {@code to} is cut there
   * @throws IllegalArgumentException when {@code from} is negative
   * @throws IOException when the free-space tree cannot be read
   */
  public void forEachFreeRun(long from, long to, RunVisitor action) throws IOException {
    if (from < 0) {
      throw new IllegalArgumentException("page " + from + " is negative");
    }
    long end = Math.min(to, pageCount());
    snapshot.read(() -> {
      CopyOnWriteTree tree = snapshot.freeSpace();
      long at = from;
      while (at < end) {
        long first = tree.findClear(at, end, CopyOnWriteTree.Exclusion.NONE);
        if (first < 0) {
          break;
        }
        long next = tree.nextSetOrExcluded(first, end, CopyOnWriteTree.Exclusion.NONE);
        long stop = next < 0 ? end : next;
        action.visit(first, stop - first);
        at = stop;
      }
      return Boolean.TRUE;
    });
  }
}
