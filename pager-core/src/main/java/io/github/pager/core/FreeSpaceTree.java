package io.github.pager.core;

import static io.github.pager.core.Format.FLAG_FULL;
import static io.github.pager.core.Format.U64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The allocation state of every page: a copy-on-write tree of bitmap pages, rooted in the
 * metadata, with each child's CRC32C kept in its parent.
 *
 * <p>Leaves (level 0) hold one bit per page, set when the page is in use (by a user, by the tree
 * itself, or as one of the three reserved pages). Interior entries name a child page, its CRC and
 * a FULL flag, so the lowest free page is found by skipping full subtrees. A child page of 0 means
 * "no node yet": every page it would cover is free, which is how a sparse file of 2^32 pages costs
 * a handful of nodes rather than half a gigabyte of bitmap.
 *
 * <p>One instance is the working state between two commits. Changes copy the touched nodes (and
 * their ancestors) into memory; nothing on disk changes until {@link #assignPages} gives every
 * changed node a fresh page and {@link #writeOut} stores them there, bottom up, each parent
 * receiving its children's new page and CRC. Rolling back is dropping the instance. The cost of a
 * commit is therefore proportional to the number of nodes changed, and opening a file reads only
 * the root. Not thread-safe: the pager's writer lock guards it.
 *
 * <p>Node words: {@code words[0]} holds magic and level, {@code words[1]} the index, then a leaf's
 * bitmap words, or an interior node's entries as two words each (child page; CRC in the low and
 * flags in the high half).
 */
final class FreeSpaceTree {
  /** Growth doubles the file, but never by more than this many bytes in one step. */
  static final long MAX_GROW_STEP_BYTES = 1L << 30;

  /** Grows the underlying file; the tree calls it before it counts the new pages. */
  @FunctionalInterface
  interface FileGrower {
    void grow(long oldPageCount, long newPageCount) throws IOException;
  }

  private record NodeKey(int level, long index) {}

  /** A node changed since the last commit, with the page it came from and the one it will go to. */
  private static final class DirtyNode {
    final int level;
    final long index;
    final long[] words;
    final long oldPage;
    long newPage;

    DirtyNode(int level, long index, long[] words, long oldPage) {
      this.level = level;
      this.index = index;
      this.words = words;
      this.oldPage = oldPage;
    }
  }

  private final MappedFile file;
  private final TreeGeometry geometry;
  private final PendingFrees pending;
  private final NodeCache cache;
  private final FileGrower grower;
  private final Map<NodeKey, DirtyNode> dirty = new HashMap<>();

  private long rootPage;
  private int rootCrc;
  private int height;
  private long pageCount;
  private long freeCount;

  /** Every page below the cursor is in use or pending; searches start here. */
  private long cursor;

  /** Set when the file grew since the last commit, which changes the record even without nodes. */
  private boolean grown;

  FreeSpaceTree(
      MappedFile file,
      TreeGeometry geometry,
      PendingFrees pending,
      NodeCache cache,
      FileGrower grower,
      MetadataRecord committed,
      long cursor) {
    this.file = file;
    this.geometry = geometry;
    this.pending = pending;
    this.cache = cache;
    this.grower = grower;
    this.rootPage = committed.treeRoot;
    this.rootCrc = committed.treeRootCrc;
    this.height = committed.treeHeight;
    this.pageCount = committed.pageCount;
    this.freeCount = committed.freeCount;
    this.cursor = cursor;
  }

  /** Words of the initial root leaf: pages 0 to 3 in use. */
  static long[] initialRootLeaf(TreeGeometry geometry) {
    long[] words = emptyNode(geometry, 0, 0);
    words[2] = 0b1111;
    return words;
  }

  long pageCount() {
    return pageCount;
  }

  long freeCount() {
    return freeCount;
  }

  long rootPage() {
    return rootPage;
  }

  int rootCrc() {
    return rootCrc;
  }

  int height() {
    return height;
  }

  long cursor() {
    return cursor;
  }

  /** Lowers the cursor to {@code page} when pages from there on became allocatable again. */
  void lowerCursor(long page) {
    cursor = Math.min(cursor, page);
  }

  /** Grows the file, if needed, until it has at least {@code wanted} pages. */
  void ensurePageCount(long wanted) throws IOException {
    if (wanted > pageCount) {
      growFor(wanted);
    }
  }

  /** Tells whether anything changed since the last commit (nodes, or only the page count). */
  boolean isDirty() {
    return !dirty.isEmpty() || grown;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  /** Tells whether page {@code page} (which must be below the page count) is in use. */
  boolean isInUse(long page) throws IOException {
    long[] leaf = node(0, page / geometry.leafBits());
    if (leaf == null) {
      return false;
    }
    int bit = (int) (page % geometry.leafBits());
    return (leaf[2 + (bit >>> 6)] & (1L << bit)) != 0;
  }

  /**
   * Tells whether {@code page} holds a node of this tree (as committed, or replaced in the
   * commit in progress). A page that merely looks like a node is told apart by asking the tree
   * which page holds the node its header names.
   */
  boolean isTreeNode(long page) throws IOException {
    MemorySegment segment = file.page(page);
    if (segment.get(Format.U32, Format.NODE_MAGIC) != Format.NODE_MAGIC_VALUE) {
      return false;
    }
    int level = segment.get(Format.U32, Format.NODE_LEVEL);
    long index = segment.get(U64, Format.NODE_INDEX);
    if (level < 0 || level >= height || index < 0 || index > (pageCount - 1) / geometry.span(level)) {
      return false;
    }
    return committedPageOf(level, index) == page;
  }

  /** The page holding node (level, index) in the committed tree, or 0 when there is none. */
  private long committedPageOf(int level, long index) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    if (changed != null) {
      return changed.oldPage;
    }
    if (level == height - 1) {
      return index == 0 ? rootPage : 0;
    }
    long[] parent = node(level + 1, index / geometry.fanout());
    return parent == null ? 0 : parent[entryChild((int) (index % geometry.fanout()))];
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation

  /**
   * Takes the lowest allocatable page, growing the file when none is left.
   *
   * @throws IOException when the file must grow and cannot
   */
  long allocate() throws IOException {
    long page = findFree(cursor);
    if (page < 0) {
      growFor(pageCount + 1);
      page = findFree(cursor);
      if (page < 0) {
        throw new IllegalStateException("no free page after growing " + file.describe());
      }
    }
    setInUse(page);
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
    long start = findFree(cursor);
    while (true) {
      if (start < 0) {
        start = pageCount;
      }
      long end = start + count;
      long blocked = nextUnavailable(start, Math.min(end, pageCount));
      if (blocked >= 0) {
        start = findFree(blocked + 1);
        continue;
      }
      if (end > pageCount) {
        growFor(end);
      }
      markRunInUse(start, end);
      if (start == cursor) {
        cursor = end;
      }
      return start;
    }
  }

  /** Marks an allocated page free; it becomes allocatable once the next commit is durable. */
  void release(long page) throws IOException {
    setFree(page);
    pending.add(page);
  }

  private long findFree(long from) throws IOException {
    if (from >= pageCount) {
      return -1;
    }
    return findFree(height - 1, 0, rootWords(), from);
  }

  private long findFree(int level, long index, long @Nullable [] words, long from)
      throws IOException {
    long start = index * geometry.span(level);
    long end = Math.min(pageCount, saturatedAdd(start, geometry.span(level)));
    if (words == null) {
      for (long page = Math.max(from, start); page < end; page++) {
        if (!pending.isPending(page)) {
          return page;
        }
      }
      return -1;
    }
    if (level == 0) {
      return findFreeInLeaf(index, words, Math.max(from, start), end);
    }
    long childSpan = geometry.span(level - 1);
    int first = from > start ? (int) ((from - start) / childSpan) : 0;
    for (int e = first; e < geometry.fanout(); e++) {
      long childStart = start + e * childSpan;
      if (childStart >= end) {
        break;
      }
      if ((entryFlags(words, e) & FLAG_FULL) != 0) {
        continue;
      }
      long childIndex = index * geometry.fanout() + e;
      long found = findFree(level - 1, childIndex, child(level - 1, childIndex, words, e), Math.max(from, childStart));
      if (found >= 0) {
        return found;
      }
    }
    return -1;
  }

  private long findFreeInLeaf(long leaf, long[] words, long from, long end) {
    long start = leaf * geometry.leafBits();
    if (from >= end) {
      return -1;
    }
    boolean anyPending = pending.hasAny(leaf);
    int bit = (int) (from - start);
    int lastWord = (int) ((end - 1 - start) >>> 6);
    for (int w = bit >>> 6; w <= lastWord; w++) {
      long used = words[2 + w];
      if (anyPending) {
        used |= pending.mask(leaf, w);
      }
      if (w == bit >>> 6) {
        used |= (1L << (bit & 63)) - 1;
      }
      if (used != -1L) {
        long page = start + 64L * w + Long.numberOfTrailingZeros(~used);
        return page < end ? page : -1;
      }
    }
    return -1;
  }

  /** Returns the first page in [from, to) that is in use or pending, or -1 when all are free. */
  private long nextUnavailable(long from, long to) throws IOException {
    if (from >= to) {
      return -1;
    }
    return nextUnavailable(height - 1, 0, rootWords(), from, to);
  }

  private long nextUnavailable(int level, long index, long @Nullable [] words, long from, long to)
      throws IOException {
    if (words == null) {
      return -1; // An absent node covers only free pages, none of them pending.
    }
    long start = index * geometry.span(level);
    if (level == 0) {
      boolean anyPending = pending.hasAny(index);
      for (long page = Math.max(from, start); page < to; ) {
        int bit = (int) (page - start);
        int w = bit >>> 6;
        long used = words[2 + w] | (anyPending ? pending.mask(index, w) : 0);
        used &= -1L << (bit & 63);
        if (used != 0) {
          long hit = start + 64L * w + Long.numberOfTrailingZeros(used);
          return hit < to ? hit : -1;
        }
        page = start + 64L * (w + 1);
        if (w + 1 == geometry.leafWords()) {
          break;
        }
      }
      return -1;
    }
    long childSpan = geometry.span(level - 1);
    int first = from > start ? (int) ((from - start) / childSpan) : 0;
    for (int e = first; e < geometry.fanout(); e++) {
      long childStart = start + e * childSpan;
      if (childStart >= to) {
        break;
      }
      long childIndex = index * geometry.fanout() + e;
      long hit = nextUnavailable(level - 1, childIndex, child(level - 1, childIndex, words, e), Math.max(from, childStart), to);
      if (hit >= 0) {
        return hit;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Changing bits

  private void setInUse(long page) throws IOException {
    long leaf = page / geometry.leafBits();
    int bit = (int) (page % geometry.leafBits());
    DirtyNode node = dirty(0, leaf);
    int w = 2 + (bit >>> 6);
    if ((node.words[w] & (1L << bit)) != 0) {
      throw new IllegalStateException("page " + page + " of " + file.describe() + " is already in use");
    }
    node.words[w] |= 1L << bit;
    freeCount--;
    if (node.words[w] == -1L && isFull(node.words, 0)) {
      setFullFlag(1, leaf, true);
    }
  }

  private void setFree(long page) throws IOException {
    long leaf = page / geometry.leafBits();
    int bit = (int) (page % geometry.leafBits());
    DirtyNode node = dirty(0, leaf);
    int w = 2 + (bit >>> 6);
    if ((node.words[w] & (1L << bit)) == 0) {
      throw new IllegalStateException("page " + page + " of " + file.describe() + " is already free");
    }
    node.words[w] &= ~(1L << bit);
    freeCount++;
    setFullFlag(1, leaf, false);
  }

  private void markRunInUse(long from, long to) throws IOException {
    long leafBits = geometry.leafBits();
    for (long page = from; page < to; ) {
      long leaf = page / leafBits;
      long leafEnd = Math.min(to, (leaf + 1) * leafBits);
      DirtyNode node = dirty(0, leaf);
      for (long p = page; p < leafEnd; ) {
        int bit = (int) (p - leaf * leafBits);
        int w = 2 + (bit >>> 6);
        int n = (int) Math.min(64 - (bit & 63), leafEnd - p);
        long bits = (n == 64 ? -1L : ((1L << n) - 1)) << (bit & 63);
        node.words[w] |= bits;
        p += n;
      }
      freeCount -= leafEnd - page;
      if (isFull(node.words, 0)) {
        setFullFlag(1, leaf, true);
      }
      page = leafEnd;
    }
  }

  /** Records in the parent at {@code level} whether its child {@code childIndex} is full. */
  private void setFullFlag(int level, long childIndex, boolean full) throws IOException {
    if (level >= height) {
      return;
    }
    long index = childIndex / geometry.fanout();
    int e = (int) (childIndex % geometry.fanout());
    DirtyNode parent = dirty(level, index);
    boolean was = (entryFlags(parent.words, e) & FLAG_FULL) != 0;
    if (was == full) {
      return;
    }
    int flags = full ? FLAG_FULL : 0;
    parent.words[entryMeta(e)] = (parent.words[entryMeta(e)] & 0xFFFF_FFFFL) | ((long) flags << 32);
    if (!full || isFull(parent.words, level)) {
      setFullFlag(level + 1, index, full);
    }
  }

  private boolean isFull(long[] words, int level) {
    if (level == 0) {
      for (int w = 2; w < words.length; w++) {
        if (words[w] != -1L) {
          return false;
        }
      }
      return true;
    }
    for (int e = 0; e < geometry.fanout(); e++) {
      if ((entryFlags(words, e) & FLAG_FULL) == 0) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Growth

  /** The page count growth moves to: double, by at most {@link #MAX_GROW_STEP_BYTES}. */
  static long nextPageCount(long pageCount, long needed, int pageSize) {
    long step = Math.min(pageCount, Math.max(1, MAX_GROW_STEP_BYTES / pageSize));
    return Math.max(needed, pageCount + step);
  }

  private void growFor(long needed) throws IOException {
    if (needed > Format.MAX_PAGE_COUNT) {
      throw new IOException(file.describe() + " cannot grow past " + Format.MAX_PAGE_COUNT + " pages");
    }
    long target = Math.min(Format.MAX_PAGE_COUNT, nextPageCount(pageCount, needed, geometry.pageSize()));
    grower.grow(pageCount, target);
    while (geometry.capacity(height) < target) {
      addRootLevel();
    }
    freeCount += target - pageCount;
    pageCount = target;
    grown = true;
  }

  /** Puts a new root above the current one, which becomes its first child. */
  private void addRootLevel() throws IOException {
    long[] oldRootWords = rootWords();
    boolean oldRootFull = oldRootWords != null && isFull(oldRootWords, height - 1);
    DirtyNode oldRootDirty = dirty.get(new NodeKey(height - 1, 0));
    long[] words = emptyNode(geometry, height, 0);
    // A dirty old root gets its page and CRC written into this entry by writeOut().
    words[entryChild(0)] = oldRootDirty != null ? 0 : rootPage;
    words[entryMeta(0)] =
        (oldRootDirty != null ? 0 : rootCrc & 0xFFFF_FFFFL) | ((long) (oldRootFull ? FLAG_FULL : 0) << 32);
    height++;
    dirty.put(new NodeKey(height - 1, 0), new DirtyNode(height - 1, 0, words, 0));
    rootPage = 0;
    rootCrc = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Commit

  /**
   * Gives every changed node a fresh page, freeing the page it came from (pending). Taking pages
   * changes bits, which can change more nodes, so this repeats until every changed node has one;
   * it ends because each node needs a page only once per commit.
   */
  void assignPages() throws IOException {
    while (true) {
      List<DirtyNode> unassigned = new ArrayList<>();
      for (DirtyNode node : dirty.values()) {
        if (node.newPage == 0) {
          unassigned.add(node);
        }
      }
      if (unassigned.isEmpty()) {
        return;
      }
      for (DirtyNode node : unassigned) {
        node.newPage = allocate();
        if (node.oldPage != 0) {
          release(node.oldPage);
        }
      }
    }
  }

  /**
   * Stores every changed node into its new page, children before parents, so that each parent
   * records its children's final page and CRC; the root's goes to the metadata. Afterwards the
   * tree has no changes left.
   */
  void writeOut() {
    List<DirtyNode> nodes = new ArrayList<>(dirty.values());
    nodes.sort(Comparator.comparingInt((DirtyNode n) -> n.level).thenComparingLong(n -> n.index));
    for (DirtyNode node : nodes) {
      if (node.newPage == 0) {
        throw new IllegalStateException("writeOut before assignPages");
      }
      MemorySegment segment = file.page(node.newPage);
      MemorySegment.copy(node.words, 0, segment, U64, 0, node.words.length);
      int crc = Checksums.crc32c(segment, 0, geometry.pageSize());
      cache.put(node.newPage, crc, node.words);
      if (node.level == height - 1) {
        rootPage = node.newPage;
        rootCrc = crc;
      } else {
        DirtyNode parent = dirty.get(new NodeKey(node.level + 1, node.index / geometry.fanout()));
        if (parent == null) {
          throw new IllegalStateException("changed node without a changed parent");
        }
        int e = (int) (node.index % geometry.fanout());
        parent.words[entryChild(e)] = node.newPage;
        parent.words[entryMeta(e)] = (parent.words[entryMeta(e)] & 0xFFFF_FFFF_0000_0000L) | (crc & 0xFFFF_FFFFL);
      }
    }
    dirty.clear();
    grown = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading nodes

  private long @Nullable [] rootWords() throws IOException {
    return node(height - 1, 0);
  }

  /** The current words of node (level, index), or null when it does not exist (all free). */
  long @Nullable [] node(int level, long index) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    if (changed != null) {
      return changed.words;
    }
    if (level == height - 1) {
      return index == 0 ? load(rootPage, rootCrc, level, 0) : null;
    }
    long[] parent = node(level + 1, index / geometry.fanout());
    if (parent == null) {
      return null;
    }
    return child(level, index, parent, (int) (index % geometry.fanout()));
  }

  /** The words of child {@code e} of a parent whose words are known. */
  long @Nullable [] child(int level, long index, long[] parent, int e) throws IOException {
    DirtyNode changed = dirty.get(new NodeKey(level, index));
    if (changed != null) {
      return changed.words;
    }
    long page = parent[entryChild(e)];
    return page == 0 ? null : load(page, (int) parent[entryMeta(e)], level, index);
  }

  /** Makes node (level, index) and its ancestors changeable, copying them from disk if needed. */
  private DirtyNode dirty(int level, long index) throws IOException {
    NodeKey key = new NodeKey(level, index);
    DirtyNode node = dirty.get(key);
    if (node != null) {
      return node;
    }
    long page;
    int crc;
    if (level == height - 1) {
      page = rootPage;
      crc = rootCrc;
    } else {
      DirtyNode parent = dirty(level + 1, index / geometry.fanout());
      int e = (int) (index % geometry.fanout());
      page = parent.words[entryChild(e)];
      crc = (int) parent.words[entryMeta(e)];
    }
    long[] words = page == 0 ? emptyNode(geometry, level, index) : load(page, crc, level, index).clone();
    node = new DirtyNode(level, index, words, page);
    dirty.put(key, node);
    return node;
  }

  private long[] load(long page, int expectedCrc, int level, long index) throws IOException {
    long[] cached = cache.get(page, expectedCrc);
    if (cached != null) {
      return cached;
    }
    long[] words = TreeNodes.read(file, geometry, page, expectedCrc, level, index);
    cache.put(page, expectedCrc, words);
    return words;
  }

  static long[] emptyNode(TreeGeometry geometry, int level, long index) {
    long[] words = new long[geometry.pageSize() / 8];
    words[0] = (Format.NODE_MAGIC_VALUE & 0xFFFF_FFFFL) | ((long) level << 32);
    words[1] = index;
    return words;
  }

  static int entryChild(int e) {
    return 2 + 2 * e;
  }

  static int entryMeta(int e) {
    return 3 + 2 * e;
  }

  static int entryFlags(long[] words, int e) {
    return (int) (words[entryMeta(e)] >>> 32);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
